/** Plugins: the plugin interface, BasePlugin, the loader and the SDK module. */
export * from "./base-plugin.ts";
export * from "./default-plugin-loader.ts";
export * from "./external-work-plugin.ts";
export * from "./sdk-module.ts";
