/** Structured logging: one JSON object per line, as log shippers expect. */
import type { Logger } from "../core/context.ts";

/** Log levels, quietest last. */
export type LogLevel = "debug" | "info" | "warn" | "error" | "silent";

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

/** Whether a string names a log level. */
export function isLogLevel(value: string): value is LogLevel {
  return value in RANK;
}

/** Options of a JSON logger. */
export interface JsonLoggerOptions {
  level?: LogLevel;
  /** Receives each line, newline included; stderr by default. */
  write?: (line: string) => void;
  fields?: Record<string, unknown>;
}

/**
 * A logger writing `{"time","level","msg",…fields}` lines.
 *
 * @example createJsonLogger({ level: "info" }).info("work.started", { work_id: "w1" })
 */
export function createJsonLogger(options: JsonLoggerOptions = {}): Logger {
  const threshold = RANK[options.level ?? "info"];
  const write = options.write ?? ((line: string) => process.stderr.write(line));
  const base = options.fields ?? {};
  const emit = (level: LogLevel, msg: string, fields?: Record<string, unknown>) => {
    if (RANK[level] < threshold) return;
    write(`${JSON.stringify({ time: new Date().toISOString(), level, msg, ...base, ...fields })}\n`);
  };
  return {
    debug: (msg, fields) => emit("debug", msg, fields),
    info: (msg, fields) => emit("info", msg, fields),
    warn: (msg, fields) => emit("warn", msg, fields),
    error: (msg, fields) => emit("error", msg, fields),
    child: (fields) => createJsonLogger({ ...options, fields: { ...base, ...fields } }),
  };
}
