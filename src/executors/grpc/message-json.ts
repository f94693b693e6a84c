/**
 * JSON ↔ protobuf messages. protobufjs's fromObject forgives unknown fields and wrong
 * types; a work's input is checked strictly first, so a typo fails before any call,
 * naming the field's path.
 */
import protobuf from "protobufjs";
import type { ValidationIssue } from "../../core/errors.ts";
import { joinPath } from "../../schemas/paths.ts";

const INT32 = new Set(["int32", "sint32", "sfixed32"]);
const UINT32 = new Set(["uint32", "fixed32"]);
const INT64 = new Set(["int64", "sint64", "sfixed64", "uint64", "fixed64"]);
const FLOAT = new Set(["double", "float"]);

function isInteger(value: unknown): boolean {
  return (typeof value === "number" && Number.isInteger(value)) || (typeof value === "string" && /^-?\d+$/.test(value));
}

/** A field by its proto name or its JSON (lowerCamelCase) name. */
function fieldNamed(type: protobuf.Type, key: string): protobuf.Field | undefined {
  return type.fields[key] ?? Object.values(type.fields).find((field) => field.name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase()) === key);
}

function checkScalar(field: protobuf.Field, value: unknown, path: string, issues: ValidationIssue[]): unknown {
  const fail = (expected: string) => {
    issues.push({ path, message: `must be ${expected} (${field.type} field ${field.name}): got ${JSON.stringify(value)}` });
    return value;
  };
  if (field.resolvedType instanceof protobuf.Enum) {
    const values = field.resolvedType.values;
    if (typeof value === "string" && value in values) return value;
    if (typeof value === "number" && Object.values(values).includes(value)) return value;
    return fail(`one of ${Object.keys(values).join(", ")}`);
  }
  if (field.resolvedType instanceof protobuf.Type) return checkObject(field.resolvedType, value, path, issues);
  if (INT32.has(field.type)) return isInteger(value) && Math.abs(Number(value)) <= 2 ** 31 ? Number(value) : fail("a 32-bit integer");
  if (UINT32.has(field.type)) return isInteger(value) && Number(value) >= 0 && Number(value) < 2 ** 32 ? Number(value) : fail("an unsigned 32-bit integer");
  if (INT64.has(field.type)) return isInteger(value) ? value : fail("an integer (or a string of digits)");
  if (FLOAT.has(field.type)) return typeof value === "number" || (typeof value === "string" && !Number.isNaN(Number(value))) ? Number(value) : fail("a number");
  if (field.type === "bool") return typeof value === "boolean" ? value : fail("true or false");
  if (field.type === "string") return typeof value === "string" ? value : fail("a string");
  if (field.type === "bytes") return typeof value === "string" ? value : fail("a base64 string");
  return value;
}

function checkObject(type: protobuf.Type, value: unknown, path: string, issues: ValidationIssue[]): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    issues.push({ path, message: `must be an object (message ${type.fullName.replace(/^\./, "")}): got ${JSON.stringify(value)}` });
    return {};
  }
  const out: Record<string, unknown> = {};
  const oneofsSet = new Map<string, string>();
  for (const [key, item] of Object.entries(value)) {
    const itemPath = joinPath(path, key);
    const field = fieldNamed(type, key);
    if (!field) {
      issues.push({ path: itemPath, message: `is not a field of ${type.fullName.replace(/^\./, "")}; its fields: ${Object.keys(type.fields).join(", ")}` });
      continue;
    }
    if (item === null) continue;
    field.resolve();
    if (field.partOf) {
      const other = oneofsSet.get(field.partOf.name);
      if (other) issues.push({ path: itemPath, message: `cannot be set with ${other}: both belong to oneof ${field.partOf.name}` });
      oneofsSet.set(field.partOf.name, field.name);
    }
    if (field.map) {
      if (typeof item !== "object" || Array.isArray(item)) {
        issues.push({ path: itemPath, message: `must be an object (map field ${field.name}): got ${JSON.stringify(item)}` });
        continue;
      }
      out[field.name] = Object.fromEntries(Object.entries(item).map(([k, v]) => [k, checkScalar(field, v, joinPath(itemPath, k), issues)]));
    } else if (field.repeated) {
      if (!Array.isArray(item)) {
        issues.push({ path: itemPath, message: `must be an array (repeated field ${field.name}): got ${JSON.stringify(item)}` });
        continue;
      }
      out[field.name] = item.map((element, index) => checkScalar(field, element, joinPath(itemPath, index), issues));
    } else {
      out[field.name] = checkScalar(field, item, itemPath, issues);
    }
  }
  return out;
}

/** Checks `json` against `type` strictly and returns the message; problems go to `issues`. */
export function messageFromJson(type: protobuf.Type, json: unknown, path: string, issues: ValidationIssue[]): protobuf.Message {
  const normalized = checkObject(type, json ?? {}, path, issues);
  return type.fromObject(normalized);
}

/** How messages become JSON. */
export interface JsonOutputOptions {
  int64_as_string: boolean;
  enums_as_names: boolean;
  include_defaults: boolean;
}

/** A message as JSON, like protobuf's JSON mapping: 64-bit integers as strings, enums as names, defaults included. */
export function messageToJson(type: protobuf.Type, message: protobuf.Message, options: JsonOutputOptions): Record<string, unknown> {
  return type.toObject(message, {
    longs: options.int64_as_string ? String : Number,
    enums: options.enums_as_names ? String : undefined,
    defaults: options.include_defaults,
    bytes: String,
  });
}
