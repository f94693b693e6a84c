/**
 * Validates works against the envelope and each executor's schemas, with TypeBox
 * checks compiled once per schema, and reports every problem with its path.
 */
import { Kind, type TSchema } from "@sinclair/typebox";
import { TypeCompiler, type TypeCheck } from "@sinclair/typebox/compiler";
import { ValidationError, type ValidationIssue } from "../core/errors.ts";
import type { WorkSchema } from "../core/metadata.ts";
import type { Work, WorkType } from "../core/work.ts";
import { pointerToPath } from "./paths.ts";
import { EXPECTATION } from "./types.ts";
import { WorkEnvelope } from "./work-envelope.ts";

/** A schema compiled once, with defaults and error reporting. */
export class CompiledSchema<T = unknown> {
  readonly schema: TSchema;
  private compiled?: { check: TypeCheck<TSchema>; hasDefaults: boolean; optionalDefaults: boolean };

  constructor(schema: TSchema) {
    this.schema = schema;
  }

  /**
   * Compiled on first use, then kept: a process that never validates a docker work does
   * not pay for compiling its schema at start-up.
   */
  private get ready() {
    if (!this.compiled) {
      const hasDefaults = JSON.stringify(this.schema).includes('"default"');
      this.compiled = { check: TypeCompiler.Compile(this.schema), hasDefaults, optionalDefaults: hasDefaults && hasOptionalDefault(this.schema) };
    }
    return this.compiled;
  }

  private get check(): TypeCheck<TSchema> {
    return this.ready.check;
  }

  private get hasDefaults(): boolean {
    return this.ready.hasDefaults;
  }

  private get optionalDefaults(): boolean {
    return this.ready.optionalDefaults;
  }

  /**
   * Returns `value` with schema defaults applied (a copy: the caller's value is left as
   * it was), or throws a ValidationError listing every problem under `path`.
   */
  parse(value: unknown, path = "", subject?: string): T {
    // When every default sits on a required field, a value that already fits has nothing
    // to fill in: skip the copy, the hot path of every work.
    if (!this.optionalDefaults && this.check.Check(value)) return value as T;
    const withDefaults = this.withDefaults(value);
    if (this.check.Check(withDefaults)) return withDefaults as T;
    throw new ValidationError(this.issues(withDefaults, path), subject);
  }

  /** A copy of `value` with the schema's defaults filled in; `value` itself is not changed. */
  withDefaults(value: unknown): unknown {
    return this.hasDefaults && value !== undefined ? fillDefaults(this.schema, value) : value;
  }


  /** The problems `value` has once defaults are filled in; cheap when it already fits. */
  problems(value: unknown, path = ""): ValidationIssue[] {
    return this.check.Check(value) ? [] : this.issues(this.withDefaults(value), path);
  }

  /** Every problem of `value`, one per path, in document order. */
  issues(value: unknown, path = ""): ValidationIssue[] {
    const byPath = new Map<string, ValidationIssue>();
    for (const error of this.check.Errors(value)) {
      const issuePath = pointerToPath(error.path, path);
      if (byPath.has(issuePath)) continue;
      if (error.schema.discriminated_by) {
        for (const issue of discriminatedIssues(error.schema, error.value, issuePath)) if (!byPath.has(issue.path)) byPath.set(issue.path, issue);
        continue;
      }
      byPath.set(issuePath, { path: issuePath, message: describe(error.schema, error.value, error.message), expected: expectedOf(error.schema) });
    }
    return [...byPath.values()];
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * The member of a union that a value's discriminator names, for unions built with
 * `{ discriminated_by: "field" }` (e.g. `provider`, `type`): errors and defaults then come
 * from that member instead of "expected union value".
 */
export function discriminatedMember(schema: TSchema, value: unknown): TSchema | undefined {
  const key = schema.discriminated_by as string | undefined;
  if (!key || !isPlainObject(value)) return undefined;
  return (schema.anyOf as TSchema[]).find((member) => (member.properties as Record<string, TSchema> | undefined)?.[key]?.const === value[key]);
}

/** A copy of a JSON value; defaults are shared by every work, so each gets its own. */
function cloneJson(value: unknown): unknown {
  if (typeof value !== "object" || value === null) return value;
  if (Array.isArray(value)) return value.map(cloneJson);
  const out: Record<string, unknown> = {};
  for (const key in value) out[key] = cloneJson((value as Record<string, unknown>)[key]);
  return out;
}

/**
 * Fills in missing properties' defaults, copying only the objects it changes — several
 * times faster than TypeBox's Value.Clone + Value.Default on the hot path of every work.
 * Defaults inside a default are filled in too. Union members are not entered: which one
 * applies is the validator's business.
 */
export function fillDefaults(schema: TSchema, value: unknown): unknown {
  if (schema.anyOf) {
    const member = discriminatedMember(schema, value);
    return member ? fillDefaults(member, value) : value;
  }
  if (Array.isArray(value)) {
    const items = schema.items as TSchema | undefined;
    if (!items || typeof items !== "object" || Array.isArray(items)) return value;
    let changed = false;
    const out = value.map((item) => {
      const filled = fillDefaults(items, item);
      changed ||= filled !== item;
      return filled;
    });
    return changed ? out : value;
  }
  if (!isPlainObject(value)) return value;
  const properties = schema.properties as Record<string, TSchema> | undefined;
  const rest = (Object.values((schema.patternProperties ?? {}) as Record<string, TSchema>)[0] ??
    (typeof schema.additionalProperties === "object" ? schema.additionalProperties : undefined)) as TSchema | undefined;
  let out: Record<string, unknown> | undefined;
  if (properties) {
    for (const key in properties) {
      const child = properties[key]!;
      const current = value[key];
      const next = current === undefined ? (child.default === undefined ? undefined : fillDefaults(child, cloneJson(child.default))) : fillDefaults(child, current);
      if (next !== current) (out ??= { ...value })[key] = next;
    }
  }
  if (rest) {
    for (const key in value) {
      if (properties && key in properties) continue;
      const current = value[key];
      const next = fillDefaults(rest, current);
      if (next !== current) (out ??= { ...value })[key] = next;
    }
  }
  return out ?? value;
}

const memberChecks = new WeakMap<TSchema, CompiledSchema>();

/** The issues of a discriminated union's value: its member's, or a bad discriminator. */
function discriminatedIssues(schema: TSchema, value: unknown, path: string): ValidationIssue[] {
  const member = discriminatedMember(schema, value);
  if (member) {
    let check = memberChecks.get(member);
    if (!check) memberChecks.set(member, (check = new CompiledSchema(member)));
    return check.issues(value, path);
  }
  const key = schema.discriminated_by as string;
  const names = (schema.anyOf as TSchema[]).map((m) => JSON.stringify((m.properties as Record<string, TSchema>)[key]?.const));
  if (!isPlainObject(value)) return [{ path, message: `must be an object with ${key} ${names.join(", ")}: got ${shown(schema, value)}` }];
  return [{ path: path ? `${path}.${key}` : key, message: `must be one of ${names.join(", ")}: got ${shown(schema, value[key])}`, expected: key }];
}

/** Whether a field that may be left out has a default: then defaults apply even to valid values. */
function hasOptionalDefault(schema: TSchema): boolean {
  const required = new Set((schema.required ?? []) as string[]);
  const properties = Object.entries((schema.properties ?? {}) as Record<string, TSchema>);
  if (properties.some(([key, child]) => !required.has(key) && child.default !== undefined)) return true;
  const children: TSchema[] = [
    ...properties.map(([, child]) => child),
    ...Object.values((schema.patternProperties ?? {}) as Record<string, TSchema>),
    ...((schema.anyOf ?? []) as TSchema[]),
    ...((schema.allOf ?? []) as TSchema[]),
    ...(typeof schema.items === "object" && !Array.isArray(schema.items) ? [schema.items as TSchema] : []),
    ...(typeof schema.additionalProperties === "object" ? [schema.additionalProperties as TSchema] : []),
  ];
  return children.some(hasOptionalDefault);
}

function expectedOf(schema: TSchema): string {
  return (schema[EXPECTATION] as string | undefined) ?? (schema.format as string | undefined) ?? String(schema[Kind] ?? schema.type ?? "value").toLowerCase();
}

/** The bad value, for a message; objects are only named, since they may hold secrets. */
function shown(schema: TSchema, value: unknown): string {
  if (schema.secret === true) return "(secret value hidden)";
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === "object" && value !== null) return "an object";
  const text = JSON.stringify(value);
  return text === undefined ? "nothing" : text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** Turns TypeBox's terse message into "must be …: got …" where the schema says more. */
function describe(schema: TSchema, value: unknown, fallback: string): string {
  if (value === undefined && fallback.startsWith("Expected required property")) return "is required";
  if (fallback === "Unexpected property") return "is not a known field";
  const expectation = schema[EXPECTATION] as string | undefined;
  if (expectation) return `must be ${expectation}: got ${shown(schema, value)}`;
  const literals = ((schema.anyOf ?? []) as TSchema[]).map((member) => member.const);
  if (literals.length && literals.every((literal) => literal !== undefined)) {
    return `must be one of ${literals.map((literal) => JSON.stringify(literal)).join(", ")}: got ${shown(schema, value)}`;
  }
  return `${fallback.replace(/^Expected/, "expected")}: got ${shown(schema, value)}`;
}

interface RegisteredSchemas {
  config: CompiledSchema<Record<string, unknown>>;
  input?: CompiledSchema;
  source: WorkSchema;
}

const envelope = new CompiledSchema<Work>(WorkEnvelope);

/**
 * The spec's SchemaValidator.
 *
 * @example
 * const validator = new SchemaValidator();
 * validator.registerSchema("http", { config: HttpConfig });
 * const work = validator.validateWork(JSON.parse(text)); // defaults applied
 */
export class SchemaValidator {
  private readonly schemas = new Map<WorkType, RegisteredSchemas>();

  /** Registers (or replaces) the schemas of a work type; a bare TypeBox schema is the config's. */
  registerSchema(workType: WorkType, schema: WorkSchema | TSchema): void {
    const source: WorkSchema = Kind in schema ? { config: schema as TSchema } : (schema as WorkSchema);
    this.schemas.set(workType, {
      config: new CompiledSchema(source.config),
      input: source.input ? new CompiledSchema(source.input) : undefined,
      source,
    });
  }

  /** The schemas registered for a work type. */
  getSchema(workType: WorkType): WorkSchema | undefined {
    return this.schemas.get(workType)?.source;
  }

  /** Checks only the envelope; returns the work with envelope defaults applied. */
  validateEnvelope(work: unknown): Work {
    return envelope.parse(work);
  }

  /**
   * Validates the envelope, the `executor_config` and (when the type has an input schema)
   * the `input`, and returns a copy with defaults applied. Every problem found in all
   * three is reported at once.
   */
  validateWork(work: unknown): Work {
    const record = (typeof work === "object" && work !== null ? work : {}) as Partial<Work>;
    const schemas = typeof record.type === "string" ? this.schemas.get(record.type) : undefined;
    let document: Work;
    try {
      document = envelope.parse(work);
    } catch (error) {
      // Collect the parts' problems too, so the user fixes everything in one round.
      return this.reject((error as ValidationError).issues, record, schemas);
    }
    return schemas ? this.parseParts(document, schemas) : document;
  }

  private reject(issues: ValidationIssue[], record: Partial<Work>, schemas?: RegisteredSchemas): never {
    if (schemas && typeof record.executor_config === "object" && record.executor_config !== null) {
      issues.push(...schemas.config.problems(record.executor_config, "executor_config"));
    }
    if (schemas?.input && "input" in record) issues.push(...schemas.input.problems(record.input, "input"));
    throw new ValidationError(issues);
  }

  private parseParts(work: Work, schemas: RegisteredSchemas): Work {
    const issues: ValidationIssue[] = [];
    let executorConfig = work.executor_config;
    let input = work.input;
    try {
      executorConfig = schemas.config.parse(work.executor_config, "executor_config");
    } catch (error) {
      issues.push(...(error as ValidationError).issues);
    }
    if (schemas.input) {
      try {
        input = schemas.input.parse(work.input, "input");
      } catch (error) {
        issues.push(...(error as ValidationError).issues);
      }
    }
    if (issues.length) throw new ValidationError(issues);
    return { ...work, executor_config: executorConfig, input };
  }
}
