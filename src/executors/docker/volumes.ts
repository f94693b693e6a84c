/** Bind mounts, allowed only under the operator's prefixes, checked on the real path. */
import { realpathSync } from "node:fs";
import { dirname, join, resolve, sep } from "node:path";
import { ValidationError, type ValidationIssue } from "../../core/errors.ts";
import type { DockerConfig } from "./config.ts";

/** The real path: `..` resolved, and symlinks in its longest existing ancestor followed. */
function realOrResolved(path: string): string {
  const absolute = resolve(path);
  try {
    return realpathSync(absolute);
  } catch {
    const parent = dirname(absolute);
    return parent === absolute ? absolute : join(realOrResolved(parent), absolute.slice(parent.length));
  }
}

function isUnder(path: string, prefix: string): boolean {
  return path === prefix || path.startsWith(prefix.endsWith(sep) ? prefix : prefix + sep);
}

/**
 * The Docker `Binds` of a work's volumes; throws a ValidationError naming each volume
 * whose source, once `..` and symlinks are resolved, lies outside every allowed prefix.
 */
export function bindsFor(volumes: DockerConfig["volumes"], allowedPrefixes: string[]): string[] {
  const prefixes = allowedPrefixes.map(realOrResolved);
  const issues: ValidationIssue[] = [];
  const binds = volumes.map((volume, index) => {
    const real = realOrResolved(volume.source);
    if (!prefixes.some((prefix) => isUnder(real, prefix))) {
      const allowed = prefixes.length ? prefixes.join(", ") : "none: the executor config allows no host folder (executors.docker.allowed_volume_prefixes)";
      issues.push({
        path: `executor_config.volumes[${index}].source`,
        message: `must lie under an allowed folder (${allowed}): ${JSON.stringify(volume.source)} resolves to ${JSON.stringify(real)}`,
      });
    }
    return `${real}:${volume.target}:${volume.read_only ? "ro" : "rw"}`;
  });
  if (issues.length) throw new ValidationError(issues);
  return binds;
}
