/** Pulling a work's image, with registry auth and a stall timeout. */
import type Docker from "dockerode";
import type { Logger } from "../../core/context.ts";
import { UbomError } from "../../core/errors.ts";
import type { DockerConfig } from "./config.ts";
import { daemonMessage, dockerError } from "./errors.ts";

/** The image as it ran. */
export interface ImageFacts {
  id: string;
  digest?: string;
  pulled: boolean;
}

/** The registry host of an image reference, or undefined for Docker Hub. */
export function registryOf(image: string): string | undefined {
  const first = image.split("/")[0]!;
  return image.includes("/") && (first.includes(".") || first.includes(":") || first === "localhost") ? first : undefined;
}

async function inspectImage(docker: Docker, image: string): Promise<ImageFacts | undefined> {
  try {
    const info = await docker.getImage(image).inspect();
    return { id: info.Id, digest: info.RepoDigests?.[0], pulled: false };
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return undefined;
    throw dockerError(error, `inspect image ${image}`);
  }
}

function pullError(image: string, message: string, cause?: unknown): UbomError {
  if (/unauthorized|authentication required|denied|no basic auth credentials|incorrect username or password/i.test(message)) {
    return new UbomError(`pulling ${image} was refused by the registry: ${message}`, { code: "docker.pull_unauthorized", cause });
  }
  if (/not found|manifest unknown|does not exist/i.test(message)) {
    return new UbomError(`image ${image} does not exist in its registry: ${message}`, { code: "docker.image_not_found", cause });
  }
  return new UbomError(`pulling ${image} failed: ${message}`, { code: "docker.pull_failed", retryable: true, cause });
}

/**
 * Pulls `image`, failing when no progress arrives for `stallMs` (the daemon may sit on a
 * silent registry before its first byte, so the clock starts with the request), or when
 * `signal` aborts.
 */
async function pull(docker: Docker, config: DockerConfig, stallMs: number, signal: AbortSignal, logger: Logger): Promise<void> {
  const auth = config.registry_auth as { username?: string; password?: string; identity_token?: string; server?: string } | undefined;
  const authconfig = auth && {
    username: auth.username,
    password: auth.password,
    identitytoken: auth.identity_token,
    serveraddress: auth.server ?? registryOf(config.image) ?? "https://index.docker.io/v1/",
  };
  const stall = new AbortController();
  let stallTimer: ReturnType<typeof setTimeout> | undefined;
  const armStall = () => {
    clearTimeout(stallTimer);
    stallTimer = setTimeout(
      () => stall.abort(new UbomError(`pulling ${config.image} made no progress for ${stallMs}ms`, { code: "docker.pull_stalled", retryable: true })),
      stallMs,
    );
  };
  const stopped = AbortSignal.any([signal, stall.signal]);
  const whyStopped = () => (signal.aborted ? signal.reason : stall.signal.reason);
  armStall();
  try {
    let stream: NodeJS.ReadableStream;
    try {
      stream = await docker.pull(config.image, { ...(authconfig ? { authconfig } : {}), abortSignal: stopped });
    } catch (error) {
      if (stopped.aborted) throw whyStopped();
      const wrapped = dockerError(error, `pull ${config.image}`);
      throw wrapped.code === "docker.api_error" ? pullError(config.image, daemonMessage(error), error) : wrapped;
    }
    await new Promise<void>((resolve, reject) => {
      const onStop = () => {
        (stream as unknown as { destroy(): void }).destroy();
        reject(whyStopped());
      };
      stopped.addEventListener("abort", onStop, { once: true });
      docker.modem.followProgress(
        stream,
        (error: Error | null, events: { error?: string }[]) => {
          stopped.removeEventListener("abort", onStop);
          if (stopped.aborted) return;
          const failure = error?.message ?? events?.find((event) => event.error)?.error;
          if (failure) reject(pullError(config.image, failure, error));
          else resolve();
        },
        (event: { status?: string; error?: string }) => {
          armStall();
          if (event.status && !event.error) logger.debug("docker.pull_progress", { image: config.image, status: event.status });
        },
      );
    });
  } finally {
    clearTimeout(stallTimer);
  }
}

/** The error of an image absent under pull_policy "never". */
export function imageNotPresent(image: string): UbomError {
  return new UbomError(`image ${image} is not present on the Docker host, and pull_policy is "never"`, {
    code: "docker.image_not_found",
    details: { image },
  });
}

/** Pulls the work's image and returns its id and digest. */
export async function pullImage(docker: Docker, config: DockerConfig, stallMs: number, signal: AbortSignal, logger: Logger): Promise<ImageFacts> {
  await pull(docker, config, stallMs, signal, logger);
  const pulled = await inspectImage(docker, config.image);
  if (!pulled) throw new UbomError(`image ${config.image} is missing right after its pull`, { code: "docker.pull_failed", retryable: true });
  return { ...pulled, pulled: true };
}
