/**
 * Keeping what ubom sends through NATS within the servers' max_payload (1 MiB by
 * default): a record that cannot be written would leave its work to run again and again.
 */
import type { LogLine } from "../../../core/result.ts";
import type { ClusterRecord } from "./cluster-record.ts";

/** Live log lines longer than this are cut, and stored ones too when the result is too big. */
const MAX_LINE_CHARS = 16 * 1024;

/**
 * The newest lines whose JSON fits in `bytes`: a follower who joins late sees the end.
 * The reply also says how many lines there were in all, so live lines are numbered right.
 */
export function newestThatFit(lines: LogLine[], bytes: number): LogLine[] {
  let size = 0;
  let first = lines.length;
  while (first > 0) {
    size += Buffer.byteLength(JSON.stringify(lines[first - 1])) + 1;
    if (size > bytes) break;
    first -= 1;
  }
  return lines.slice(first);
}

export function cutLine(line: LogLine): LogLine {
  return line.line.length > MAX_LINE_CHARS ? { ...line, line: `${line.line.slice(0, MAX_LINE_CHARS)}… (cut)` } : line;
}

/** Room left in a message for the record's other fields and the KV headers. */
const RECORD_MARGIN_BYTES = 16 * 1024;

/**
 * The record made small enough for one message: a result larger than the servers'
 * max_payload would never be stored, so the work would run again and again. An output
 * of more than half the room goes first, then huge log lines are cut, then the oldest
 * lines go.
 */
export function fitPayload(record: ClusterRecord, maxPayload: number): ClusterRecord {
  const limit = maxPayload - RECORD_MARGIN_BYTES;
  if (!record.result || Buffer.byteLength(JSON.stringify(record)) <= limit) return record;
  const result = { ...record.result, logs: { ...record.result.logs, lines: [...record.result.logs.lines] } };
  const fitted = { ...record, result };
  const size = () => Buffer.byteLength(JSON.stringify(fitted));
  const cutOutput = () => (result.output = { truncated: true, reason: `the output was larger than the queue's max_payload of ${maxPayload} bytes` });
  if (Buffer.byteLength(JSON.stringify(result.output ?? null)) > limit / 2) cutOutput();
  if (size() > limit) {
    result.logs.lines = result.logs.lines.map(cutLine);
    result.logs.truncated = true;
  }
  while (result.logs.lines.length && size() > limit) {
    result.logs.lines.splice(0, Math.max(1, Math.ceil(result.logs.lines.length / 4)));
    result.logs.truncated = true;
  }
  if (size() > limit) cutOutput();
  return fitted;
}
