/** What an executor receives besides the work: its signal, deadline, logger and log sink. */
import type { LogStream } from "./result.ts";

/** Structured logging; `fields` become keys of one JSON line. */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  /** A logger whose lines all carry `fields`. */
  child(fields: Record<string, unknown>): Logger;
}

/**
 * Go's context.Context for one attempt of a work. Executors must stop when `signal`
 * aborts (kill the process, cancel the call) and stream live output through `log`.
 */
export interface ExecutionContext {
  signal: AbortSignal;
  /** When the attempt's timeout expires, if it has one. */
  deadline?: Date;
  logger: Logger;
  /** Streams one line of the work's output, live; the engine captures and forwards it. */
  log(stream: LogStream, line: string): void;
}

/** The spec's layer0.Context: where a work sits in a larger run. */
export interface WorkContext {
  /** 1 for the first attempt. */
  attempt: number;
  workflow_id?: string;
  run_id?: string;
  /** Values shared by the surrounding workflow. */
  variables?: Record<string, unknown>;
}

/** A logger that drops everything. */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child() {
    return silentLogger;
  },
};
