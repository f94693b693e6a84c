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

const writeStderr = (line: string) => void process.stderr.write(line);

/** Writes `{"time","level","msg",…fields}` lines; a class, as every work makes a child. */
class JsonLogger implements Logger {
  constructor(
    private readonly threshold: number,
    private readonly write: (line: string) => void,
    private readonly fields: Record<string, unknown>,
  ) {}

  debug(msg: string, fields?: Record<string, unknown>): void {
    if (RANK.debug >= this.threshold) this.emit("debug", msg, fields);
  }
  info(msg: string, fields?: Record<string, unknown>): void {
    if (RANK.info >= this.threshold) this.emit("info", msg, fields);
  }
  warn(msg: string, fields?: Record<string, unknown>): void {
    if (RANK.warn >= this.threshold) this.emit("warn", msg, fields);
  }
  error(msg: string, fields?: Record<string, unknown>): void {
    if (RANK.error >= this.threshold) this.emit("error", msg, fields);
  }
  child(fields: Record<string, unknown>): Logger {
    return new JsonLogger(this.threshold, this.write, { ...this.fields, ...fields });
  }

  private emit(level: LogLevel, msg: string, fields?: Record<string, unknown>): void {
    this.write(`${JSON.stringify({ time: new Date().toISOString(), level, msg, ...this.fields, ...fields })}\n`);
  }
}

/**
 * A logger writing one JSON object per line.
 *
 * @example createJsonLogger({ level: "info" }).info("work.started", { work_id: "w1" })
 */
export function createJsonLogger(options: JsonLoggerOptions = {}): Logger {
  return new JsonLogger(RANK[options.level ?? "info"], options.write ?? writeStderr, options.fields ?? {});
}
