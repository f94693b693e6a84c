/** The Docker executor's schemas: a work's `executor_config`, and the executor's own config. */
import { Type, type Static } from "@sinclair/typebox";
import { Duration, EXPECTATION, Secret, SecretOrString } from "../../schemas/types.ts";

const CPU_PATTERN = "^(?:\\d+(?:\\.\\d+)?|\\.\\d+)$";
const MEMORY_PATTERN = "^\\d+(?:\\.\\d+)?[bkmgBKMG]?$";
const ABSOLUTE_PATH = "^/";

/** One bind mount of a host path. */
export const VolumeMount = Type.Object(
  {
    source: Type.String({ pattern: ABSOLUTE_PATH, [EXPECTATION]: "an absolute host path", description: "Host path; must lie under an allowed prefix" }),
    target: Type.String({ pattern: ABSOLUTE_PATH, [EXPECTATION]: "an absolute path in the container" }),
    read_only: Type.Boolean({ default: false }),
  },
  { additionalProperties: false },
);

/** Where `output` comes from. */
export const DockerOutput = Type.Union(
  [
    Type.Literal("text", { description: "stdout as a string" }),
    Type.Literal("json", { description: "stdout parsed as JSON" }),
    Type.Object(
      { file: Type.String({ pattern: ABSOLUTE_PATH, [EXPECTATION]: "an absolute path in the container" }) },
      { additionalProperties: false, description: "A file copied out of the container after it exits" },
    ),
  ],
  { default: "text", [EXPECTATION]: '"text", "json" or {"file": "/path/in/container"}' },
);

/** The `executor_config` of a docker work. */
export const DockerConfig = Type.Object(
  {
    image: Type.String({ minLength: 1, description: "Image reference, e.g. busybox:1.36 or registry:5000/team/app@sha256:…" }),
    command: Type.Optional(Type.Array(Type.String(), { description: "Replaces the image's CMD" })),
    entrypoint: Type.Optional(Type.Array(Type.String(), { description: "Replaces the image's ENTRYPOINT" })),
    environment: Type.Record(Type.String(), SecretOrString(), { default: {}, description: 'A value may name a secret: {"env": "NAME"}' }),
    working_dir: Type.Optional(Type.String({ pattern: ABSOLUTE_PATH, [EXPECTATION]: "an absolute path in the container" })),
    user: Type.Optional(Type.String({ description: "user, uid or uid:gid" })),
    labels: Type.Record(Type.String(), Type.String(), { default: {} }),
    volumes: Type.Array(VolumeMount, { default: [] }),
    tmpfs: Type.Record(Type.String({ pattern: ABSOLUTE_PATH }), Type.String(), {
      default: {},
      description: 'tmpfs mounts: {"/scratch": "size=64m"}',
    }),
    resources: Type.Object(
      {
        cpu_limit: Type.Optional(Type.String({ pattern: CPU_PATTERN, [EXPECTATION]: "a number of CPUs like 0.5 or 2" })),
        memory_limit: Type.Optional(Type.String({ pattern: MEMORY_PATTERN, [EXPECTATION]: "a size like 512m or 2g" })),
        pids_limit: Type.Optional(Type.Integer({ minimum: 1 })),
      },
      { additionalProperties: false, default: {} },
    ),
    network: Type.Optional(Type.String({ minLength: 1, description: "none, bridge or a named network; the executor's default_network when absent" })),
    pull_policy: Type.Union([Type.Literal("always"), Type.Literal("if_not_present"), Type.Literal("never")], { default: "if_not_present" }),
    registry_auth: Type.Optional(
      Type.Object(
        {
          username: Type.Optional(Type.String()),
          password: Type.Optional(Secret()),
          identity_token: Type.Optional(Secret()),
          server: Type.Optional(Type.String({ description: "Registry host; taken from the image when absent" })),
        },
        { additionalProperties: false },
      ),
    ),
    stdin: Type.Boolean({ default: false, description: "Write the work's input to the container's stdin as JSON" }),
    output: DockerOutput,
    stop_grace: Duration({ default: "10s", description: "Between SIGTERM and SIGKILL on cancel or timeout" }),
    read_only_rootfs: Type.Boolean({ default: false }),
    max_output_bytes: Type.Integer({ minimum: 0, default: 1024 * 1024, description: "stdout kept for the output; the rest is dropped and flagged" }),
  },
  { additionalProperties: false },
);
export type DockerConfig = Static<typeof DockerConfig>;

/** The Docker executor's own config: `executors.docker` in ubom.json. */
export const DockerExecutorConfig = Type.Object(
  {
    host: Type.Optional(
      Type.String({
        pattern: "^(unix|tcp|https?)://",
        [EXPECTATION]: "unix:///path/docker.sock or tcp://host:2376",
        description: "The daemon; DOCKER_HOST (then the local socket) when absent",
      }),
    ),
    tls: Type.Optional(
      Type.Object(
        {
          ca_file: Type.Optional(Type.String()),
          cert_file: Type.Optional(Type.String()),
          key_file: Type.Optional(Type.String()),
        },
        { additionalProperties: false, description: "Client TLS for a tcp:// daemon: PEM files" },
      ),
    ),
    allowed_volume_prefixes: Type.Array(Type.String({ pattern: ABSOLUTE_PATH }), {
      default: [],
      description: "Host folders that works may mount; none by default",
    }),
    allowed_capabilities: Type.Array(Type.String({ pattern: "^[A-Z_]+$" }), {
      default: [],
      description: "Capabilities works may keep; all are dropped by default",
    }),
    default_network: Type.String({ default: "bridge" }),
    pull_stall_timeout: Duration({ default: "60s", description: "A pull with no progress for this long fails" }),
    orphan_reap_interval: Duration({ default: "5m", description: "How often containers of dead ubom processes are removed" }),
  },
  { additionalProperties: false },
);
export type DockerExecutorConfig = Static<typeof DockerExecutorConfig>;

const MEMORY_UNITS: Record<string, number> = { "": 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/** "512m" → bytes, as `docker run --memory` reads it. */
export function memoryBytes(limit: string): number {
  const match = /^(\d+(?:\.\d+)?)([bkmg]?)$/i.exec(limit);
  if (!match) throw new Error(`not a memory size: ${limit}`);
  return Math.round(Number(match[1]) * MEMORY_UNITS[match[2]!.toLowerCase()]!);
}

/** "0.5" CPUs → NanoCpus, as `docker run --cpus` sets it. */
export function nanoCpus(limit: string): number {
  return Math.round(Number(limit) * 1e9);
}
