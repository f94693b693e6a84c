/** The conformance suite shared by the tests and `ubom plugins check`. */
export * from "./conformance.ts";
export * from "./json-schema-check.ts";
export * from "./result-shape.ts";
