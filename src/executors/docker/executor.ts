/**
 * The `docker` executor: one container per attempt, through one reused dockerode client.
 * Every container it starts is removed when the work ends — success, failure, cancel or
 * timeout — and containers left by a crashed ubom process are reaped at the next start.
 */
import type Docker from "dockerode";
import { silentLogger, type ExecutionContext, type Logger } from "../../core/context.ts";
import { parseDuration } from "../../core/duration.ts";
import { UbomError, ValidationError, type ValidationIssue } from "../../core/errors.ts";
import type { WorkMetadata } from "../../core/metadata.ts";
import { workFailed, workSucceeded, type WorkResult } from "../../core/result.ts";
import type { Work } from "../../core/work.ts";
import { CompiledSchema } from "../../schemas/schema-validator.ts";
import { VERSION } from "../../version.ts";
import { BuiltinExecutor } from "../builtin-executor.ts";
import type { HealthAttributes, ManagedExecutor } from "../managed-executor.ts";
import { OutputCollector } from "../output-collector.ts";
import { createDockerClient } from "./client.ts";
import { DockerConfig, DockerExecutorConfig, memoryBytes, nanoCpus } from "./config.ts";
import { copyFileOut, parseJsonOutput } from "./container-output.ts";
import { dockerError } from "./errors.ts";
import { imageNotPresent, pullImage, type ImageFacts } from "./image.ts";
import { currentOwner, formatOwner, OWNER_LABEL, WORK_ID_LABEL } from "./owner.ts";
import { reapOrphans } from "./reaper.ts";
import { bindsFor } from "./volumes.ts";

const METADATA: WorkMetadata = {
  name: "docker",
  version: VERSION,
  description: "Runs each work in a new container, removed when the work ends",
  supported_types: ["docker"],
  capabilities: { cancellable: true, streams_logs: true, resource_limits: true, removes_orphans: true },
  examples: [
    { name: "hello", executor_config: { image: "busybox:1.36", command: ["echo", "hello"] } },
    { name: "runs until stopped", executor_config: { image: "busybox:1.36", command: ["sleep", "600"], stop_grace: "1s" }, runs_until_stopped: true },
  ],
};

const DEFAULT_OPTIONS = new CompiledSchema<DockerExecutorConfig>(DockerExecutorConfig).parse({});

/** How the container ended. */
interface Ending {
  exitCode: number;
  stoppedWith?: "SIGTERM" | "SIGKILL";
}

/** Whether `promise` settles within `ms`; the timer is cleared either way, so it never holds the process open. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<boolean>((resolve) => (timer = setTimeout(resolve, ms, false)));
  try {
    return await Promise.race([promise.then(() => true), expired]);
  } finally {
    clearTimeout(timer);
  }
}

function whenAborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => (signal.aborted ? resolve() : signal.addEventListener("abort", () => resolve(), { once: true })));
}

function ignoreNotRunning(error: unknown): void {
  // 409: the container already stopped; 404: already gone. Both are the outcome we wanted.
  const status = (error as { statusCode?: number }).statusCode;
  if (status !== 409 && status !== 404) throw dockerError(error, "signal the container");
}

/** Runs works in Docker containers. */
export class DockerExecutor extends BuiltinExecutor implements ManagedExecutor {
  private options: DockerExecutorConfig = DEFAULT_OPTIONS;
  private dockerClient?: Promise<Docker>;
  private logger: Logger = silentLogger;
  private readonly owner = formatOwner(currentOwner());
  private reapTimer?: ReturnType<typeof setInterval>;
  private reaping?: Promise<unknown>;

  constructor() {
    super(METADATA, DockerConfig, DockerExecutorConfig);
  }

  async initialize(config: Record<string, unknown>, logger: Logger): Promise<void> {
    this.options = config as DockerExecutorConfig;
    this.logger = logger.child({ executor: "docker" });
    this.dockerClient = undefined;
  }

  /** Reaps orphans now and then every `orphan_reap_interval`. */
  start(): void {
    if (this.reapTimer) return;
    this.reapNow();
    this.reapTimer = setInterval(() => this.reapNow(), parseDuration(this.options.orphan_reap_interval, "executors.docker.orphan_reap_interval"));
    this.reapTimer.unref();
  }

  async shutdown(): Promise<void> {
    clearInterval(this.reapTimer);
    this.reapTimer = undefined;
    // A reap in flight gets a moment to finish; the next start redoes it anyway.
    if (this.reaping) await settlesWithin(this.reaping, 2_000);
  }

  /** The one dockerode client of this executor, made on first use. */
  private docker(): Promise<Docker> {
    return (this.dockerClient ??= createDockerClient(this.options));
  }

  async healthCheck(): Promise<HealthAttributes> {
    try {
      const version = await (await this.docker()).version();
      return { "docker.version": version.Version, "docker.api_version": version.ApiVersion, "docker.os": `${version.Os}/${version.Arch}` };
    } catch (error) {
      throw dockerError(error, "ping the Docker daemon");
    }
  }

  protected override extraChecks(work: Work): ValidationIssue[] {
    try {
      bindsFor((work.executor_config as DockerConfig).volumes ?? [], this.options.allowed_volume_prefixes);
      return [];
    } catch (error) {
      if (error instanceof ValidationError) return error.issues;
      throw error;
    }
  }

  async execute(ctx: ExecutionContext, work: Work): Promise<WorkResult> {
    const config = work.executor_config as DockerConfig;
    const timings: Record<string, number> = {};
    const timed = async <T>(step: string, run: () => Promise<T>): Promise<T> => {
      const started = performance.now();
      try {
        return await run();
      } finally {
        timings[`${step}_ms`] = Math.round(performance.now() - started);
      }
    };

    const stallMs = parseDuration(this.options.pull_stall_timeout, "executors.docker.pull_stall_timeout");
    const docker = await this.docker();
    const pull = () => timed("pull", () => pullImage(docker, config, stallMs, ctx.signal, ctx.logger));
    let image: ImageFacts | undefined = config.pull_policy === "always" ? await pull() : undefined;
    ctx.signal.throwIfAborted();
    const spec = this.containerSpec(work, config);
    const create = () => timed("create", () => docker.createContainer(spec));
    // Creating first and pulling only on "no such image" saves an inspect per work.
    const container = await create()
      .catch(async (error) => {
        if ((error as { statusCode?: number }).statusCode !== 404 || image) throw error;
        if (config.pull_policy === "never") throw imageNotPresent(config.image);
        image = await pull();
        ctx.signal.throwIfAborted();
        return create();
      })
      .catch((error) => {
        throw dockerError(error, `create a container of ${config.image}`);
      });
    const metadata: Record<string, unknown> = { container_id: container.id, image: config.image, image_digest: image?.digest, image_pulled: image !== undefined, timings };
    ctx.logger.debug("docker.container_created", { container_id: container.id });
    try {
      return await this.run(ctx, work, config, container, metadata, timed);
    } finally {
      metadata.removed = await timed("remove", () => container.remove({ force: true, v: true })).then(
        () => true,
        (error) => {
          if ((error as { statusCode?: number }).statusCode === 404) return true;
          // The reaper retries it once this process is gone; say so rather than fail the work.
          this.logger.warn("docker.remove_failed", { container_id: container.id, error: (error as Error).message });
          return false;
        },
      );
    }
  }

  private containerSpec(work: Work, config: DockerConfig): Docker.ContainerCreateOptions {
    const memory = config.resources.memory_limit ? memoryBytes(config.resources.memory_limit) : undefined;
    return {
      Image: config.image,
      Cmd: config.command,
      Entrypoint: config.entrypoint,
      // Secrets were resolved by the engine: every value is a string here.
      Env: Object.entries(config.environment as Record<string, string>).map(([name, value]) => `${name}=${value}`),
      WorkingDir: config.working_dir,
      User: config.user,
      // ubom's labels last, so a work cannot forge its owner.
      Labels: { ...config.labels, [WORK_ID_LABEL]: work.id, [OWNER_LABEL]: this.owner },
      AttachStdin: config.stdin,
      OpenStdin: config.stdin,
      StdinOnce: config.stdin,
      AttachStdout: true,
      AttachStderr: true,
      Tty: false,
      HostConfig: {
        Binds: bindsFor(config.volumes, this.options.allowed_volume_prefixes),
        Tmpfs: config.tmpfs,
        NetworkMode: config.network ?? this.options.default_network,
        Memory: memory,
        // Equal to Memory: no swap beyond the limit, so the limit means what it says.
        MemorySwap: memory,
        NanoCpus: config.resources.cpu_limit ? nanoCpus(config.resources.cpu_limit) : undefined,
        PidsLimit: config.resources.pids_limit,
        Privileged: false,
        CapDrop: ["ALL"],
        CapAdd: this.options.allowed_capabilities,
        SecurityOpt: ["no-new-privileges"],
        ReadonlyRootfs: config.read_only_rootfs,
      },
    };
  }

  private async run(
    ctx: ExecutionContext,
    work: Work,
    config: DockerConfig,
    container: Docker.Container,
    metadata: Record<string, unknown>,
    timed: <T>(step: string, run: () => Promise<T>) => Promise<T>,
  ): Promise<WorkResult> {
    const attached = await container
      .attach({ stream: true, stdin: config.stdin, stdout: true, stderr: true, hijack: config.stdin })
      .catch((error) => {
        throw dockerError(error, "attach to the container");
      });
    const stdout = new OutputCollector("stdout", config.max_output_bytes, ctx.log);
    const stderr = new OutputCollector("stderr", config.max_output_bytes, ctx.log);
    const drained = new Promise((resolve) => {
      attached.on("end", resolve);
      attached.on("close", resolve);
      attached.on("error", resolve);
    });
    // Docker multiplexes both streams over one connection with 8-byte frame headers.
    (await this.docker()).modem.demuxStream(attached, { write: (chunk: Uint8Array) => stdout.write(chunk) } as NodeJS.WritableStream, {
      write: (chunk: Uint8Array) => stderr.write(chunk),
    } as NodeJS.WritableStream);

    await timed("start", () =>
      container.start().catch((error) => {
        throw dockerError(error, "start the container");
      }),
    );
    if (config.stdin) {
      attached.write(typeof work.input === "string" ? work.input : JSON.stringify(work.input ?? null));
      attached.end();
    }
    const ending = await timed("run", () => this.waitOrStop(container, ctx.signal, parseDuration(config.stop_grace, "executor_config.stop_grace")));
    // The last frames may trail the exit by a moment.
    await settlesWithin(drained, 1_000);
    stdout.end();
    stderr.end();
    const state = await container.inspect().then(
      (info) => ((metadata.image_id = info.Image), info.State),
      (error) => {
        throw dockerError(error, "inspect the container");
      },
    );
    Object.assign(metadata, {
      exit_code: ending.exitCode,
      oom_killed: state.OOMKilled,
      stopped_with: ending.stoppedWith,
      stdout_truncated: stdout.truncated,
      stderr_truncated: stderr.truncated,
    });

    if (ctx.signal.aborted) {
      return workFailed(work, { code: "docker.stopped", message: `the container was stopped with ${ending.stoppedWith}`, retryable: false }, { metadata });
    }
    if (state.OOMKilled) {
      const limit = config.resources.memory_limit;
      return workFailed(
        work,
        { code: "oom_killed", message: `the container ran out of memory${limit ? ` (memory_limit ${limit})` : ""} and was killed`, retryable: false, details: { exit_code: ending.exitCode } },
        { metadata, output: stdout.text },
      );
    }
    if (ending.exitCode !== 0) {
      return workFailed(
        work,
        { code: "docker.exit_code", message: `the container exited with code ${ending.exitCode}`, retryable: false, details: { exit_code: ending.exitCode } },
        { metadata, output: stdout.text },
      );
    }
    try {
      return workSucceeded(work, await this.output(config, container, stdout), { metadata });
    } catch (error) {
      if (!(error instanceof UbomError)) throw error;
      return workFailed(work, error.toResultError(), { metadata, output: stdout.text });
    }
  }

  private async output(config: DockerConfig, container: Docker.Container, stdout: OutputCollector): Promise<unknown> {
    if (config.output === "text") return stdout.text;
    if (config.output === "json") return parseJsonOutput(stdout.text, "stdout");
    const file = await copyFileOut(container, config.output.file, config.max_output_bytes);
    return file.text;
  }

  /** Waits for the exit; on abort, SIGTERM, then SIGKILL after `graceMs`. */
  private async waitOrStop(container: Docker.Container, signal: AbortSignal, graceMs: number): Promise<Ending> {
    const waiting = container.wait().then(
      (result: { StatusCode: number }) => result.StatusCode,
      (error) => {
        throw dockerError(error, "wait for the container");
      },
    );
    await Promise.race([waiting, whenAborted(signal)]);
    if (!signal.aborted) return { exitCode: await waiting };
    await container.kill({ signal: "SIGTERM" }).catch(ignoreNotRunning);
    if (await settlesWithin(waiting, graceMs)) return { exitCode: await waiting, stoppedWith: "SIGTERM" };
    await container.kill({ signal: "SIGKILL" }).catch(ignoreNotRunning);
    return { exitCode: await waiting, stoppedWith: "SIGKILL" };
  }

  private reapNow(): void {
    if (this.reaping) return;
    this.reaping = this.docker()
      .then((docker) => reapOrphans(docker, this.logger))
      .catch((error) => this.logger.debug("docker.reap_skipped", { error: dockerError(error, "list containers").message }))
      .finally(() => {
        this.reaping = undefined;
      });
  }
}
