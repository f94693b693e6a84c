/**
 * Durations travel as strings in every JSON document ("250ms", "30s", "5m", "1h30m"),
 * as Go's time.ParseDuration writes them, and become milliseconds exactly once, here.
 */
import { ValidationError } from "./errors.ts";

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };
const DURATION_PART = /(\d+(?:\.\d+)?)(ms|s|m|h)/y;

/** The pattern a duration string must match, for JSON Schema `pattern` and editors. */
export const DURATION_PATTERN = "^(?:0|(?:\\d+(?:\\.\\d+)?(?:ms|s|m|h))+)$";

/** Whether `text` is a duration this module can parse. */
export function isDuration(text: string): boolean {
  return tryParseDuration(text) !== undefined;
}

/**
 * Parses a duration into milliseconds.
 *
 * @example parseDuration("1m30s") // 90_000
 * @throws ValidationError naming `field` and the bad value.
 */
export function parseDuration(text: string, field = "duration"): number {
  const ms = tryParseDuration(text);
  if (ms === undefined) {
    throw new ValidationError([
      {
        path: field,
        message: `must be a duration like 250ms, 30s, 5m or 1h30m: got ${JSON.stringify(text)}`,
        expected: "duration",
      },
    ]);
  }
  return ms;
}

function tryParseDuration(text: string): number | undefined {
  if (typeof text !== "string" || text.length === 0) return undefined;
  if (text === "0") return 0;
  DURATION_PART.lastIndex = 0;
  let total = 0;
  while (DURATION_PART.lastIndex < text.length) {
    const start = DURATION_PART.lastIndex;
    const match = DURATION_PART.exec(text);
    if (!match || match.index !== start) return undefined;
    total += Number(match[1]) * UNIT_MS[match[2]!]!;
  }
  return Number.isFinite(total) ? Math.round(total) : undefined;
}

/** Formats milliseconds back into the shortest exact duration string. */
export function formatDuration(ms: number): string {
  if (ms === 0) return "0";
  for (const [unit, size] of [["h", 3_600_000], ["m", 60_000], ["s", 1_000]] as const) {
    if (ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}
