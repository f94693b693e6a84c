/** Schemas: builders for configs, the work envelope, validation, secrets and JSON Schema export. */
export * from "./json-schema.ts";
export * from "./paths.ts";
export * from "./schema-validator.ts";
export * from "./secrets.ts";
export * from "./types.ts";
export * from "./work-envelope.ts";
