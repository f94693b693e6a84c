/** TypeBox schemas as plain JSON Schema documents, for `schemas/`, editors and the API. */
import type { TObject, TSchema } from "@sinclair/typebox";
import { WorkEnvelope } from "./work-envelope.ts";

/** Base of every exported schema's `$id`; files refer to each other relatively. */
export const SCHEMA_ID_BASE = "https://ubom.dev/schemas/";

/**
 * The schema as a user writes the document: a field with a default may be left out, so
 * it is not `required` (TypeBox requires it, as it checks after defaults are applied).
 * JSON.stringify drops TypeBox's symbol keys, leaving standard JSON Schema.
 */
export function writtenFormSchema(schema: TSchema): Record<string, unknown> {
  return JSON.parse(JSON.stringify(schema), (_key, node) => {
    if (node && typeof node === "object" && Array.isArray(node.required) && node.properties) {
      const required = node.required.filter((name: string) => node.properties[name]?.default === undefined);
      const { required: _dropped, ...rest } = node;
      return required.length ? { ...rest, required } : rest;
    }
    return node;
  });
}

/** The JSON Schema document of an executor's `executor_config`. */
export function executorConfigJsonSchema(workType: string, config: TSchema): Record<string, unknown> {
  return {
    $schema: "http://json-schema.org/draft-07/schema#",
    $id: `${SCHEMA_ID_BASE}${workType}.schema.json`,
    title: `executor_config of a ${workType} work`,
    ...writtenFormSchema(config),
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
    ...writtenFormSchema(WorkEnvelope),
    allOf: [...workTypes].sort().map((type) => ({
      if: { properties: { type: { const: type } }, required: ["type"] },
      then: { properties: { executor_config: { $ref: `${type}.schema.json` } } },
    })),
  };
}

/**
 * The JSON Schema of the config file (ubom.json): `file` with each of `sections` in full,
 * where the file's own schema only says "an object" (each section is validated by the
 * command that reads it).
 */
export function configFileJsonSchema(file: TObject, sections: Record<string, TSchema>): Record<string, unknown> {
  const written = writtenFormSchema(file) as { properties: Record<string, unknown> };
  const properties = { ...written.properties };
  for (const [name, section] of Object.entries(sections)) {
    const { description } = (properties[name] ?? {}) as { description?: string };
    properties[name] = { ...writtenFormSchema(section), ...(description ? { description } : {}) };
  }
  return { $schema: "http://json-schema.org/draft-07/schema#", $id: `${SCHEMA_ID_BASE}ubom-config.schema.json`, title: "ubom.json", ...written, properties };
}
