/** Whether processes still run, read from /proc (zombies count as gone: they run nothing). */
import { readFileSync } from "node:fs";

export function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

/** Waits up to `ms` for every pid to stop; returns those still running. */
export async function stillRunningAfter(pids: number[], ms: number): Promise<number[]> {
  const until = Date.now() + ms;
  let alive = pids.filter(isRunning);
  while (alive.length && Date.now() < until) {
    await Bun.sleep(20);
    alive = alive.filter(isRunning);
  }
  return alive;
}
