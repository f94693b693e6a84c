/** The contract (the spec's layer0): types, errors and durations every other layer uses. */
export * from "./backoff.ts";
export * from "./context.ts";
export * from "./duration.ts";
export * from "./errors.ts";
export * from "./metadata.ts";
export * from "./result.ts";
export * from "./work.ts";
