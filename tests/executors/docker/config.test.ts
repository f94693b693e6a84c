import { describe, expect, test } from "bun:test";
import { DockerConfig, DockerExecutorConfig, memoryBytes, nanoCpus } from "../../../src/executors/docker/config.ts";
import { ValidationError } from "../../../src/core/index.ts";
import { CompiledSchema } from "../../../src/schemas/index.ts";

const config = new CompiledSchema<DockerConfig>(DockerConfig);
const issuesOf = (value: unknown) => {
  try {
    config.parse(value, "executor_config");
    return {};
  } catch (error) {
    return Object.fromEntries((error as ValidationError).issues.map((issue) => [issue.path, issue.message]));
  }
};

describe("docker executor_config", () => {
  test("the spec's example validates, with volumes as objects, and gets the defaults", () => {
    const parsed = config.parse({
      image: "ubuntu:20.04",
      command: ["python", "script.py"],
      environment: { ENV_VAR: "value" },
      volumes: [{ source: "/host/path", target: "/container/path", read_only: true }],
      resources: { cpu_limit: "1.0", memory_limit: "512m" },
    });
    expect(parsed).toMatchObject({ pull_policy: "if_not_present", output: "text", stop_grace: "10s", stdin: false, read_only_rootfs: false, labels: {}, tmpfs: {} });
  });

  test.each([
    ["no image", {}, { "executor_config.image": "is required" }],
    ["a volume as a string", { image: "x", volumes: ["/a:/b"] }, { "executor_config.volumes[0]": "expected object: got \"/a:/b\"" }],
    ["a relative volume target", { image: "x", volumes: [{ source: "/a", target: "b" }] }, { "executor_config.volumes[0].target": 'must be an absolute path in the container: got "b"' }],
    ["a memory limit in words", { image: "x", resources: { memory_limit: "lots" } }, { "executor_config.resources.memory_limit": 'must be a size like 512m or 2g: got "lots"' }],
    ["a cpu limit with a unit", { image: "x", resources: { cpu_limit: "2 cores" } }, { "executor_config.resources.cpu_limit": 'must be a number of CPUs like 0.5 or 2: got "2 cores"' }],
    ["a zero pids limit", { image: "x", resources: { pids_limit: 0 } }, { "executor_config.resources.pids_limit": "expected integer to be greater or equal to 1: got 0" }],
    ["an unknown pull policy", { image: "x", pull_policy: "sometimes" }, { "executor_config.pull_policy": 'must be one of "always", "if_not_present", "never": got "sometimes"' }],
    ["an output file that is relative", { image: "x", output: { file: "out.json" } }, { "executor_config.output": 'must be "text", "json" or {"file": "/path/in/container"}: got an object' }],
    ["privileged, which does not exist", { image: "x", privileged: true }, { "executor_config.privileged": "is not a known field" }],
    ["a password shown nowhere", { image: "x", registry_auth: { password: 12345678 } }, { "executor_config.registry_auth.password": 'must be a string, {"env": "NAME"} or {"file": "/path"}: got (secret value hidden)' }],
  ])("rejects %s", (_name, value, issues) => {
    expect(issuesOf(value)).toEqual(issues);
  });

  test.each([
    ["512m", 512 * 1024 ** 2],
    ["2g", 2 * 1024 ** 3],
    ["64k", 65_536],
    ["1000", 1000],
    ["1.5g", 1.5 * 1024 ** 3],
  ])("memory %p is %p bytes", (limit, bytes) => {
    expect(memoryBytes(limit)).toBe(bytes);
  });

  test.each([
    ["1.0", 1e9],
    ["0.5", 5e8],
    [".25", 2.5e8],
    ["2", 2e9],
  ])("cpu %p is %p NanoCpus", (limit, nano) => {
    expect(nanoCpus(limit)).toBe(nano);
  });
});

describe("docker executor config (executors.docker)", () => {
  const executorConfig = new CompiledSchema(DockerExecutorConfig);
  test("defaults allow no volume and no capability", () => {
    expect(executorConfig.parse({})).toEqual({
      allowed_volume_prefixes: [],
      allowed_capabilities: [],
      default_network: "bridge",
      pull_stall_timeout: "60s",
      orphan_reap_interval: "5m",
    });
  });
  test("a host must be a unix or tcp URL", () => {
    expect(() => executorConfig.parse({ host: "/var/run/docker.sock" }, "executors.docker")).toThrow("executors.docker.host: must be unix:///path/docker.sock or tcp://host:2376");
  });
});
