/** The built-in `serverless` executor. */
export * from "./config.ts";
export * from "./executor.ts";
