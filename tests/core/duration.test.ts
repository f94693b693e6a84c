import { describe, expect, test } from "bun:test";
import { formatDuration, isDuration, parseDuration, ValidationError } from "../../src/core/index.ts";

describe("parseDuration", () => {
  test.each([
    ["0", 0],
    ["250ms", 250],
    ["30s", 30_000],
    ["1.5s", 1_500],
    ["5m", 300_000],
    ["1h", 3_600_000],
    ["1h30m", 5_400_000],
    ["2m3s4ms", 123_004],
  ])("%p is %p ms", (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
    expect(isDuration(text)).toBe(true);
  });

  test.each(["", "lots", "30", "5 m", "-1s", "1d", "s", "1s ", "ms1", "1.s"])("%p is refused with the field named", (text) => {
    expect(isDuration(text)).toBe(false);
    let thrown: unknown;
    try {
      parseDuration(text, "executor_config.timeout");
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ValidationError);
    const issue = (thrown as ValidationError).issues[0]!;
    expect(issue.path).toBe("executor_config.timeout");
    expect(issue.message).toContain(JSON.stringify(text));
    expect((thrown as ValidationError).message).toContain("executor_config.timeout: must be a duration like 250ms");
  });

  test.each([[0, "0"], [250, "250ms"], [30_000, "30s"], [90_000, "90s"], [300_000, "5m"], [7_200_000, "2h"]])("formats %p as %p", (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
    expect(parseDuration(formatDuration(ms))).toBe(ms);
  });
});
