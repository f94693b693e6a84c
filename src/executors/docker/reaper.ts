/**
 * Removes containers whose ubom owner on this host is dead — what a crashed `ubom run`
 * or `ubom serve` left behind. Containers of live owners, of other hosts, and without
 * ubom's labels are never touched.
 */
import type Docker from "dockerode";
import type { Logger } from "../../core/context.ts";
import { isOwnerAlive, OWNER_LABEL, parseOwner, WORK_ID_LABEL } from "./owner.ts";

/** Removes the orphans; returns the ids removed. */
export async function reapOrphans(docker: Docker, logger: Logger): Promise<string[]> {
  const containers = await docker.listContainers({ all: true, filters: { label: [OWNER_LABEL] } });
  const removed: string[] = [];
  for (const container of containers) {
    const owner = parseOwner(container.Labels[OWNER_LABEL]);
    if (!owner || isOwnerAlive(owner)) continue;
    try {
      await docker.getContainer(container.Id).remove({ force: true, v: true });
      removed.push(container.Id);
      logger.info("docker.orphan_removed", { container_id: container.Id, work_id: container.Labels[WORK_ID_LABEL], owner_pid: owner.pid });
    } catch (error) {
      // Another ubom process may have removed it first.
      if ((error as { statusCode?: number }).statusCode !== 404) {
        logger.warn("docker.orphan_remove_failed", { container_id: container.Id, error: (error as Error).message });
      }
    }
  }
  return removed;
}
