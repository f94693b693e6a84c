/** The built-in `docker` executor. */
export * from "./config.ts";
export * from "./executor.ts";
export * from "./owner.ts";
export * from "./reaper.ts";
