/** Captures a work's log lines up to a byte cap, keeping the newest. */
import type { LogLine, LogStream, WorkLogs } from "../core/result.ts";

/** Default cap of captured log text per work. */
export const DEFAULT_MAX_LOG_BYTES = 256 * 1024;

/**
 * Keeps the newest lines within `maxBytes`: the end of a failing work's output is what
 * explains it. `truncated` tells that older lines were dropped.
 */
export class LogCapture {
  private readonly lines: LogLine[] = [];
  private first = 0;
  private bytes = 0;
  private truncated = false;

  constructor(private readonly maxBytes = DEFAULT_MAX_LOG_BYTES) {}

  add(stream: LogStream, text: string): LogLine {
    const line: LogLine = { time: new Date().toISOString(), stream, line: text };
    this.lines.push(line);
    this.bytes += text.length;
    while (this.bytes > this.maxBytes && this.first < this.lines.length) {
      this.bytes -= this.lines[this.first]!.line.length;
      this.first += 1;
      this.truncated = true;
    }
    return line;
  }

  result(): WorkLogs {
    return { lines: this.first ? this.lines.slice(this.first) : this.lines, truncated: this.truncated };
  }
}
