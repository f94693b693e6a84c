import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { PluginError, workSucceeded } from "../../src/core/index.ts";
import { createRuntime } from "../../src/engine/runtime.ts";
import { DefaultPluginLoader } from "../../src/plugins/index.ts";
import { BasePlugin } from "../../src/plugins/base-plugin.ts";
import { ScriptedPlugin } from "../helpers/scripted-executor.ts";
import { tempDir } from "../helpers/temp-dir.ts";

/** A complete plugin module's source, importing only from @ubom/sdk as a real plugin does. */
function pluginSource(name: string, types: string[], extra = ""): string {
  return `
import { BasePlugin, Type, workSucceeded } from "@ubom/sdk";
class P extends BasePlugin {
  constructor() {
    super({ name: ${JSON.stringify(name)}, version: "1.0.0" },
          { name: ${JSON.stringify(name)}, version: "1.0.0", supported_types: ${JSON.stringify(types)} },
          { config: Type.Object({}) }${extra ? `, ${extra}` : ""});
  }
  async execute(ctx, work) { return workSucceeded(work, { plugin: ${JSON.stringify(name)}, sdkIsShared: this instanceof BasePlugin }); }
}
export function NewPlugin() { return new P(); }
`;
}

const dir = tempDir("ubom-plugins-");
const files: Record<string, string> = {
  "a-good.ts": pluginSource("good", ["good"]),
  "b-syntax-error.ts": "export function NewPlugin( {",
  "c-no-factory.js": "export const notAFactory = 1;",
  "d-factory-throws.ts": 'export function NewPlugin() { throw new Error("factory exploded"); }',
  "e-not-a-plugin.js": "export function NewPlugin() { return { execute() {} }; }",
  "f-init-throws.ts": pluginSource("init-fails", ["init-fails"]).replace(
    "class P extends BasePlugin {",
    'class P extends BasePlugin {\n  async initialize() { throw new Error("cannot connect"); }',
  ),
  "g-claims-taken-type.ts": pluginSource("usurper", ["good", "other"]),
  "h-configured.ts": pluginSource("configured", ["configured"], '{ configSchema: Type.Object({ port: Type.Integer({ minimum: 1 }) }, { additionalProperties: false }) }'),
  "i-default-export.js": `import { BasePlugin, Type, workSucceeded } from "@ubom/sdk";
export default function () {
  return new (class extends BasePlugin { async execute(ctx, work) { return workSucceeded(work, "default"); } })(
    { name: "defaulted", version: "1.0.0" }, { name: "defaulted", version: "1.0.0", supported_types: ["defaulted"] }, { config: Type.Object({}) });
}`,
  "README.md": "not a plugin",
  "types.d.ts": "export type X = 1;",
  "helper.test.ts": "throw new Error('test files are not plugins');",
  ".hidden.ts": "throw new Error('dotfiles are not plugins');",
};
for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);

describe("loading a plugin folder with broken plugins beside healthy ones", async () => {
  const runtime = await createRuntime({ pluginsDir: dir, config: { plugins: { configured: { port: 0 } } } });
  const errors = new Map(runtime.pluginErrors.map((error) => [error.file?.split("/").pop() ?? error.pluginName, error]));

  test("healthy plugins load, register their types and run", async () => {
    expect(runtime.registry.getTypes()).toEqual(["defaulted", "docker", "good", "grpc", "serverless"]);
    const result = await runtime.engine.execute({ id: "w1", type: "good", executor_config: {} });
    expect(result.status).toBe("succeeded");
    // The plugin's BasePlugin is the binary's own: the SDK is served, not copied.
    expect(result.output).toEqual({ plugin: "good", sdkIsShared: true });
    expect((await runtime.engine.execute({ id: "w2", type: "defaulted", executor_config: {} })).output).toBe("default");
  });

  test.each([
    ["b-syntax-error.ts", "import", ""],
    ["c-no-factory.js", "load", "exports no NewPlugin function"],
    ["d-factory-throws.ts", "NewPlugin", "factory exploded"],
    ["e-not-a-plugin.js", "NewPlugin", "not a plugin: it lacks validate"],
    ["f-init-throws.ts", "initialize", "cannot connect"],
    ["g-claims-taken-type.ts", "register", 'work type "good" is already registered by plugin good'],
    ["h-configured.ts", "initialize", "plugins.configured.port: expected integer to be greater or equal to 1: got 0"],
  ])("%p is a PluginError naming the file and the operation %p", (file, operation, message) => {
    const error = errors.get(file);
    expect(error).toBeInstanceOf(PluginError);
    expect(error!.operation).toBe(operation);
    expect(error!.file).toBe(join(dir, file));
    expect(error!.message).toContain(file);
    expect(error!.message).toContain(message);
  });

  test("nothing else is reported, and files that are not plugins are not imported", () => {
    expect([...errors.keys()].sort()).toEqual([
      "b-syntax-error.ts",
      "c-no-factory.js",
      "d-factory-throws.ts",
      "e-not-a-plugin.js",
      "f-init-throws.ts",
      "g-claims-taken-type.ts",
      "h-configured.ts",
    ]);
  });

  test("a plugin refused at registration claims none of its types", () => {
    expect(runtime.registry.getTypes()).not.toContain("other");
    expect(runtime.loader.listPlugins().find((entry) => entry.name === "usurper")?.state).toBe("failed");
  });

  test("shutdownAll shuts every initialized plugin down", async () => {
    expect(await runtime.shutdown()).toEqual([]);
    expect(runtime.loader.listPlugins().find((entry) => entry.name === "good")?.state).toBe("shut_down");
  });
});

describe("DefaultPluginLoader API", () => {
  test("registerPlugin, initializePlugin, getPlugin, shutdownAll as in the spec", async () => {
    const loader = new DefaultPluginLoader();
    const received: Record<string, unknown>[] = [];
    let shutDown = 0;
    loader.registerPlugin("my-plugin", () => {
      const plugin = new ScriptedPlugin(async (_ctx, work) => workSucceeded(work, null), ["mine"], "my-plugin");
      plugin.initialize = async (config) => void received.push(config);
      plugin.shutdown = async () => void (shutDown += 1);
      return plugin;
    });
    expect(() => loader.getPlugin("my-plugin")).toThrow(PluginError);
    const plugin = await loader.initializePlugin("my-plugin", { key: "value" });
    expect(received).toEqual([{ key: "value" }]);
    expect(loader.getPlugin("my-plugin")).toBe(plugin);
    expect(plugin).toBeInstanceOf(BasePlugin);
    expect(await loader.shutdownAll()).toEqual([]);
    expect(shutDown).toBe(1);
  });

  test("a name registered twice is refused", () => {
    const loader = new DefaultPluginLoader();
    const factory = () => new ScriptedPlugin(async (_c, w) => workSucceeded(w, null));
    loader.registerPlugin("twice", factory, "/a.ts");
    expect(() => loader.registerPlugin("twice", factory, "/b.ts")).toThrow("already registered from /a.ts");
  });

  test("an unknown plugin cannot be initialized, and a failing shutdown is reported", async () => {
    const loader = new DefaultPluginLoader();
    expect(loader.initializePlugin("ghost")).rejects.toThrow("no plugin named ghost");
    loader.registerPlugin("fragile", () => {
      const plugin = new ScriptedPlugin(async (_c, w) => workSucceeded(w, null));
      plugin.shutdown = async () => {
        throw new Error("socket stuck");
      };
      return plugin;
    });
    await loader.initializePlugin("fragile");
    const failures = await loader.shutdownAll();
    expect(failures.map((failure) => [failure.operation, failure.message])).toEqual([["shutdown", "plugin fragile: shutdown: socket stuck"]]);
  });

  test("a missing folder loads nothing and reports nothing", async () => {
    expect(await new DefaultPluginLoader().loadDirectory(join(dir, "nope"))).toEqual({ loaded: [], errors: [] });
  });
});
