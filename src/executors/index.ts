/** Executors: the interface, the registry and the compatibility layer. */
export * from "./compat/backward-compatibility-adapter.ts";
export * from "./compat/work-execution-core.ts";
export * from "./compat/work-executor.ts";
export * from "./enhanced-work-executor.ts";
export * from "./enhanced-work-registry.ts";
export * from "./output-collector.ts";
