/**
 * Who started a container: host, process id and that process's start time, so a pid
 * reused by another process after a crash is not mistaken for the owner.
 */
import { readFileSync } from "node:fs";
import { hostname } from "node:os";

/** Label naming the work a container runs. */
export const WORK_ID_LABEL = "ubom.work_id";
/** Label naming the process that owns a container: `host/pid/start-ticks`. */
export const OWNER_LABEL = "ubom.owner";

/** A process, as an owner label names it. */
export interface Owner {
  host: string;
  pid: number;
  /** Start time in clock ticks since boot (/proc/<pid>/stat field 22). */
  startTicks: string;
}

/** The start time of a process, or undefined when it does not exist. */
export function processStartTicks(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may hold spaces and parentheses: count from its end.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return fields[0] === "Z" ? undefined : fields[19];
  } catch {
    return undefined;
  }
}

/** This process. */
export function currentOwner(): Owner {
  return { host: hostname(), pid: process.pid, startTicks: processStartTicks(process.pid) ?? "0" };
}

export function formatOwner(owner: Owner): string {
  return `${owner.host}/${owner.pid}/${owner.startTicks}`;
}

export function parseOwner(label: string | undefined): Owner | undefined {
  const match = /^(.+)\/(\d+)\/(\d+)$/.exec(label ?? "");
  return match ? { host: match[1]!, pid: Number(match[2]), startTicks: match[3]! } : undefined;
}

/** Whether the owning process still runs; owners on other hosts are assumed alive. */
export function isOwnerAlive(owner: Owner, thisHost = hostname()): boolean {
  if (owner.host !== thisHost) return true;
  return processStartTicks(owner.pid) === owner.startTicks;
}
