/** The built-in `grpc` executor. */
export * from "./config.ts";
export * from "./executor.ts";
