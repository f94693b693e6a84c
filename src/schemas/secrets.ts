/**
 * Secrets in configs: resolving references (`{"env": …}`, `{"file": …}`) just before a
 * work runs, masking them wherever a work is shown, and redacting their values from
 * anything that leaves the engine (results, logs, errors).
 */
import { readFileSync } from "node:fs";
import type { TSchema } from "@sinclair/typebox";
import { ValidationError, type ValidationIssue } from "../core/errors.ts";
import { joinPath } from "./paths.ts";
import { discriminatedMember } from "./schema-validator.ts";

/** What a masked secret looks like. */
export const MASK = "********";

type SecretVisitor = (schema: TSchema, value: unknown, path: string, refOnly: boolean) => unknown;

const holdsSecrets = new WeakMap<object, boolean>();

/** Whether any node under `schema` is a secret; memoized, schemas are immutable. */
function containsSecret(schema: TSchema): boolean {
  const known = holdsSecrets.get(schema);
  if (known !== undefined) return known;
  holdsSecrets.set(schema, false); // guards recursive schemas
  const found =
    schema.secret === true ||
    schema.secret_refs === true ||
    Object.values((schema.properties ?? {}) as Record<string, TSchema>).some(containsSecret) ||
    Object.values((schema.patternProperties ?? {}) as Record<string, TSchema>).some(containsSecret) ||
    (typeof schema.additionalProperties === "object" && containsSecret(schema.additionalProperties)) ||
    (typeof schema.items === "object" && !Array.isArray(schema.items) && containsSecret(schema.items)) ||
    ((schema.anyOf ?? []) as TSchema[]).some(containsSecret);
  holdsSecrets.set(schema, found);
  return found;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Finds the union member a value belongs to, cheaply: by shape, as configs are small. */
function unionMemberFor(schema: TSchema, value: unknown): TSchema | undefined {
  const discriminated = discriminatedMember(schema, value);
  if (discriminated) return discriminated;
  const members = (schema.anyOf ?? []) as TSchema[];
  return members.find((member) => {
    if (member.const !== undefined) return member.const === value;
    if (member.type === "object") {
      if (!isPlainObject(value)) return false;
      const required = (member.required ?? []) as string[];
      return required.every((key) => key in value);
    }
    if (member.type === "array") return Array.isArray(value);
    if (member.type === "integer") return Number.isInteger(value);
    return member.type === undefined || typeof value === member.type;
  });
}

/**
 * Rebuilds `value`, calling `visit` at each secret node; untouched branches are shared,
 * not copied. Paths are built only when a visitor asks for one (errors need them).
 */
function mapSecrets(schema: TSchema, value: unknown, pathOf: () => string, visit: SecretVisitor): unknown {
  if (value === undefined || !containsSecret(schema)) return value;
  if (schema.secret === true) return visit(schema, value, pathOf(), false);
  if (schema.secret_refs === true) return visit(schema, value, pathOf(), true);
  if (schema.anyOf) {
    const member = unionMemberFor(schema, value);
    return member ? mapSecrets(member, value, pathOf, visit) : value;
  }
  if (Array.isArray(value) && typeof schema.items === "object" && !Array.isArray(schema.items)) {
    let changed = false;
    const out = value.map((item, index) => {
      const mapped = mapSecrets(schema.items as TSchema, item, () => joinPath(pathOf(), index), visit);
      changed ||= mapped !== item;
      return mapped;
    });
    return changed ? out : value;
  }
  if (isPlainObject(value)) {
    const properties = (schema.properties ?? {}) as Record<string, TSchema>;
    const pattern = Object.values((schema.patternProperties ?? {}) as Record<string, TSchema>)[0];
    const rest = typeof schema.additionalProperties === "object" ? (schema.additionalProperties as TSchema) : undefined;
    let out: Record<string, unknown> | undefined;
    for (const key in value) {
      const item = value[key];
      const child = properties[key] ?? pattern ?? rest;
      if (!child) continue;
      const mapped = mapSecrets(child, item, () => joinPath(pathOf(), key), visit);
      if (mapped !== item) (out ??= { ...value })[key] = mapped;
    }
    return out ?? value;
  }
  return value;
}

/**
 * The strings inside a secret that is a JSON document (a service-account key, say), so
 * that an error quoting one field of it is redacted too.
 */
function jsonLeaves(secret: string): string[] {
  if (!secret.trimStart().startsWith("{")) return [];
  try {
    const leaves: string[] = [];
    const walk = (node: unknown): void => {
      if (typeof node === "string") leaves.push(node);
      else if (node && typeof node === "object") Object.values(node).forEach(walk);
    };
    walk(JSON.parse(secret));
    return leaves.filter((leaf) => leaf.length >= 8);
  } catch {
    return [];
  }
}

/** A config with its secret references replaced by their values, and those values. */
export interface ResolvedSecrets<T> {
  value: T;
  secrets: string[];
}

/**
 * Replaces every secret reference under `schema` with the secret it names and collects
 * every secret value (literal or referenced), so the engine can redact them.
 *
 * @throws ValidationError naming each reference that cannot be read.
 */
export function resolveSecrets<T>(schema: TSchema, value: T, path = ""): ResolvedSecrets<T> {
  const secrets: string[] = [];
  const issues: ValidationIssue[] = [];
  const collect = (secret: string) => {
    secrets.push(secret);
    secrets.push(...jsonLeaves(secret));
  };
  const resolved = mapSecrets(schema, value, () => path, (_schema, item, itemPath, refOnly) => {
    if (typeof item === "string") {
      if (!refOnly) collect(item);
      return item;
    }
    if (!isPlainObject(item)) return item;
    if (typeof item.env === "string") {
      const secret = process.env[item.env];
      if (secret === undefined) {
        issues.push({ path: itemPath, message: `names environment variable ${item.env}, which is not set` });
        return item;
      }
      collect(secret);
      return secret;
    }
    if (typeof item.file === "string") {
      try {
        const secret = readFileSync(item.file, "utf8").replace(/\r?\n$/, "");
        collect(secret);
        return secret;
      } catch (error) {
        const reason = (error as NodeJS.ErrnoException).code ?? "unreadable";
        issues.push({ path: itemPath, message: `names file ${item.file}, which cannot be read (${reason})` });
        return item;
      }
    }
    return item;
  });
  if (issues.length) throw new ValidationError(issues, "cannot resolve secrets");
  return { value: resolved as T, secrets };
}

/** A copy of `value` with every literal secret under `schema` masked; references stay, they hold no secret. */
export function maskSecrets<T>(schema: TSchema, value: T, path = ""): T {
  return mapSecrets(schema, value, () => path, (_schema, item, _path, refOnly) =>
    typeof item === "string" && !refOnly ? MASK : item,
  ) as T;
}

/**
 * Removes known secret values from any string inside a value: the last line of defence
 * for results and logs, since a process may print the secret it was given.
 */
export class Redactor {
  private readonly pattern?: RegExp;

  constructor(secrets: Iterable<string>) {
    // Very short values would mask ordinary text and protect nothing.
    const unique = [...new Set([...secrets].filter((secret) => secret.length >= 4))];
    unique.sort((a, b) => b.length - a.length);
    if (unique.length) this.pattern = new RegExp(unique.map(RegExp.escape).join("|"), "g");
  }

  /** Whether there is anything to redact. */
  get active(): boolean {
    return this.pattern !== undefined;
  }

  redactString(text: string): string {
    return this.pattern ? text.replace(this.pattern, MASK) : text;
  }

  /** `value` with every string redacted (keys too); parts with nothing to redact are shared, not copied. */
  redact<T>(value: T): T {
    if (!this.pattern) return value;
    return this.redactAny(value) as T;
  }

  private redactAny(value: unknown): unknown {
    if (typeof value === "string") return this.redactString(value);
    if (Array.isArray(value)) {
      let changed = false;
      const out = value.map((item) => {
        const redacted = this.redactAny(item);
        changed ||= redacted !== item;
        return redacted;
      });
      return changed ? out : value;
    }
    if (isPlainObject(value)) {
      let changed = false;
      const entries = Object.entries(value).map(([key, item]) => {
        const redactedKey = this.redactString(key);
        const redacted = this.redactAny(item);
        changed ||= redactedKey !== key || redacted !== item;
        return [redactedKey, redacted] as const;
      });
      return changed ? Object.fromEntries(entries) : value;
    }
    return value;
  }
}

const redactors = new Map<string, Redactor>();

/** A Redactor for these secrets, compiled once and reused while the same secrets recur. */
export function redactorFor(secrets: string[]): Redactor {
  const key = secrets.join("\u0000");
  let redactor = redactors.get(key);
  if (!redactor) {
    // A small, bounded cache: works of one config share it; a stream of distinct secrets does not grow it.
    if (redactors.size >= 256) redactors.delete(redactors.keys().next().value!);
    redactors.set(key, (redactor = new Redactor(secrets)));
  }
  return redactor;
}
