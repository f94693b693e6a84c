/** The first-party plugins, loaded from plugins/ the way the binary loads them. */
import { join } from "node:path";
import { afterAll } from "bun:test";
import { createRuntime, type Runtime, type RuntimeOptions } from "../../src/engine/runtime.ts";

/** The repository's plugins/ folder. */
export const PLUGINS_DIR = join(import.meta.dir, "../../plugins");

/** A runtime over plugins/, shut down after the test file. */
export async function firstPartyRuntime(config: RuntimeOptions["config"] = {}, stopGraceMs?: number): Promise<Runtime> {
  const runtime = await createRuntime({ pluginsDir: PLUGINS_DIR, config, stopGraceMs });
  if (runtime.pluginErrors.length) throw runtime.pluginErrors[0];
  afterAll(() => runtime.shutdown());
  return runtime;
}
