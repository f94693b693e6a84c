/** Collects a process's output stream for executors: capped text, and each line streamed live. */
import type { ExecutionContext } from "../core/context.ts";
import type { LogStream } from "../core/result.ts";

/**
 * Keeps the first `maxChars` characters of a stream (flagging `truncated` beyond) and
 * sends every complete line to `log` as it arrives.
 *
 * @example
 * const stdout = new OutputCollector("stdout", 1 << 20, ctx.log);
 * await stdout.drain(child.stdout);
 */
export class OutputCollector {
  text = "";
  truncated = false;
  private partial = "";
  private readonly decoder = new TextDecoder();

  constructor(
    private readonly stream: LogStream,
    private readonly maxChars: number,
    private readonly log: ExecutionContext["log"],
  ) {}

  /** Reads a whole stream, then flushes the last partial line. */
  async drain(source: AsyncIterable<Uint8Array>): Promise<void> {
    for await (const chunk of source) this.write(chunk);
    this.end();
  }

  /** Adds a chunk of bytes. */
  write(chunk: Uint8Array): void {
    this.push(this.decoder.decode(chunk, { stream: true }));
  }

  /** Flushes the decoder and the last line, which may lack its newline. */
  end(): void {
    this.push(this.decoder.decode());
    if (this.partial) this.log(this.stream, this.partial);
    this.partial = "";
  }

  private push(piece: string): void {
    if (!piece) return;
    const room = this.maxChars - this.text.length;
    if (piece.length > room) this.truncated = true;
    if (room > 0) this.text += piece.slice(0, room);
    const lines = (this.partial + piece).split("\n");
    this.partial = lines.pop() ?? "";
    for (const line of lines) this.log(this.stream, line);
  }
}
