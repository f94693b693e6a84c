/** TypeBox schemas as plain JSON Schema documents, for `schemas/`, editors and the API. */
import type { TSchema } from "@sinclair/typebox";
import { WorkEnvelope } from "./work-envelope.ts";

/** Base of every exported schema's `$id`; files refer to each other relatively. */
export const SCHEMA_ID_BASE = "https://ubom.dev/schemas/";

/** The JSON Schema document of an executor's `executor_config`. */
export function executorConfigJsonSchema(workType: string, config: TSchema): Record<string, unknown> {
  return {
    $schema: "http://json-schema.org/draft-07/schema#",
    $id: `${SCHEMA_ID_BASE}${workType}.schema.json`,
    title: `executor_config of a ${workType} work`,
    // JSON.stringify drops TypeBox's symbol keys, leaving standard JSON Schema.
    ...JSON.parse(JSON.stringify(config)),
  };
}

/**
 * The JSON Schema of a work file; for each known type, `executor_config` is checked
 * against that type's schema file, so an editor validates the whole document.
 */
export function workJsonSchema(workTypes: string[]): Record<string, unknown> {
  return {
    $schema: "http://json-schema.org/draft-07/schema#",
    $id: `${SCHEMA_ID_BASE}work.schema.json`,
    ...JSON.parse(JSON.stringify(WorkEnvelope)),
    allOf: [...workTypes].sort().map((type) => ({
      if: { properties: { type: { const: type } }, required: ["type"] },
      then: { properties: { executor_config: { $ref: `${type}.schema.json` } } },
    })),
  };
}
