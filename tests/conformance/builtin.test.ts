/** The conformance suite over the built-in executors, against their real backends. */
import { afterAll } from "bun:test";
import { runConformance } from "../../src/conformance/index.ts";
import { createRuntime } from "../../src/engine/runtime.ts";
import { describeConformance } from "../helpers/conformance.ts";
import { requireDocker, TEST_IMAGE } from "../helpers/docker.ts";

await requireDocker();
const runtime = await createRuntime({});
afterAll(() => runtime.shutdown());

// The executor's own examples name busybox from Docker Hub; here the image is built locally.
describeConformance("docker", () =>
  runConformance(runtime.registry.getExecutor("docker"), {
    examples: [
      { name: "hello", executor_config: { image: TEST_IMAGE, command: ["echo", "hello"] } },
      { name: "json", executor_config: { image: TEST_IMAGE, command: ["cat"], stdin: true, output: "json" }, input: { a: 1 } },
      { name: "exit 3", executor_config: { image: TEST_IMAGE, command: ["sh", "-c", "exit 3"] }, expect: "failed" },
      { name: "runs until stopped", executor_config: { image: TEST_IMAGE, command: ["sh", "-c", "trap 'exit 143' TERM; sleep 600 & wait"], stop_grace: "5s" }, runs_until_stopped: true },
    ],
  }),
);
