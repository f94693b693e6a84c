/** Structural checks that an exported schema is sound JSON Schema, defaults included. */
import type { TSchema } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";

const JSON_TYPES = new Set(["string", "number", "integer", "boolean", "object", "array", "null"]);

/** Every problem found in `schema` (a plain JSON Schema or a TypeBox schema), with its path. */
export function jsonSchemaProblems(schema: unknown, path = "#"): string[] {
  if (typeof schema !== "object" || schema === null || Array.isArray(schema)) return [`${path} is not a schema object`];
  const node = schema as Record<string, unknown>;
  const problems: string[] = [];
  const types = Array.isArray(node.type) ? node.type : node.type === undefined ? [] : [node.type];
  for (const type of types) if (!JSON_TYPES.has(type as string)) problems.push(`${path}: unknown type ${JSON.stringify(type)}`);
  if (node.properties !== undefined) {
    if (typeof node.properties !== "object" || node.properties === null) problems.push(`${path}.properties is not an object`);
    else for (const [key, child] of Object.entries(node.properties)) problems.push(...jsonSchemaProblems(child, `${path}/properties/${key}`));
  }
  if (node.required !== undefined) {
    const keys = Object.keys((node.properties ?? {}) as object);
    if (!Array.isArray(node.required)) problems.push(`${path}.required is not an array`);
    else for (const key of node.required) if (!keys.includes(key)) problems.push(`${path}: required ${JSON.stringify(key)} has no property`);
  }
  for (const keyword of ["items", "additionalProperties", "not"]) {
    if (typeof node[keyword] === "object" && node[keyword] !== null) problems.push(...jsonSchemaProblems(node[keyword], `${path}/${keyword}`));
  }
  for (const keyword of ["anyOf", "oneOf", "allOf"]) {
    if (node[keyword] === undefined) continue;
    if (!Array.isArray(node[keyword])) problems.push(`${path}.${keyword} is not an array`);
    else (node[keyword] as unknown[]).forEach((child, index) => problems.push(...jsonSchemaProblems(child, `${path}/${keyword}/${index}`)));
  }
  for (const [pattern, child] of Object.entries((node.patternProperties ?? {}) as Record<string, unknown>)) {
    problems.push(...jsonSchemaProblems(child, `${path}/patternProperties/${pattern}`));
  }
  if (typeof node.pattern === "string") {
    try {
      new RegExp(node.pattern);
    } catch {
      problems.push(`${path}: pattern ${JSON.stringify(node.pattern)} is not a regular expression`);
    }
  }
  if (node.default !== undefined && !defaultFits(node)) {
    problems.push(`${path}: default ${JSON.stringify(node.default)} does not satisfy its own schema`);
  }
  return problems;
}

/**
 * Whether a default is valid once the defaults inside it are filled in too (`{}` for an
 * object whose fields all have defaults is fine). Only TypeBox nodes can be checked here;
 * plain JSON nodes pass.
 */
function defaultFits(node: Record<string, unknown>): boolean {
  try {
    return Value.Check(node as TSchema, Value.Default(node as TSchema, Value.Clone(node.default)));
  } catch {
    return true;
  }
}
