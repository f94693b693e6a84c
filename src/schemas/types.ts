/**
 * Schema builders shared by every executor config: durations, secrets and the wording
 * of their errors. Executors and plugins build configs from these (through the SDK).
 */
import { Type, type SchemaOptions, type TString, type TUnion } from "@sinclair/typebox";
import { DURATION_PATTERN } from "../core/duration.ts";

/**
 * Custom schema keyword: what a valid value looks like, in words. The validator's
 * message becomes "must be <expectation>: got <value>".
 */
export const EXPECTATION = "expectation";

/**
 * A duration string such as "250ms", "30s", "5m" or "1h30m".
 *
 * @example timeout: Type.Optional(Duration({ default: "30s", description: "Per request" }))
 */
export function Duration(options: SchemaOptions = {}): TString {
  return Type.String({
    pattern: DURATION_PATTERN,
    [EXPECTATION]: "a duration like 250ms, 30s, 5m or 1h30m",
    examples: ["250ms", "30s", "5m"],
    ...options,
  });
}

/** Names a secret instead of holding it: read from an environment variable or a file. */
export const SecretRef = Type.Union(
  [
    Type.Object({ env: Type.String({ minLength: 1, description: "Environment variable that holds the secret" }) }, {
      additionalProperties: false,
    }),
    Type.Object({ file: Type.String({ minLength: 1, description: "File whose contents are the secret" }) }, {
      additionalProperties: false,
    }),
  ],
  { [EXPECTATION]: 'a string, {"env": "NAME"} or {"file": "/path"}' },
);

/**
 * A field that always holds a secret (key, password, token): the value itself, or a
 * reference to where it is kept. Masked wherever a work is shown, redacted from results.
 *
 * @example password: Secret({ description: "Registry password" })
 */
export function Secret(options: SchemaOptions = {}): TUnion<[TString, typeof SecretRef]> {
  return Type.Union([Type.String(), SecretRef], {
    secret: true,
    [EXPECTATION]: 'a string, {"env": "NAME"} or {"file": "/path"}',
    ...options,
  });
}

/**
 * A plain string that may instead name a secret; only named secrets are masked.
 *
 * @example environment: Type.Record(Type.String(), SecretOrString())
 */
export function SecretOrString(options: SchemaOptions = {}): TUnion<[TString, typeof SecretRef]> {
  return Type.Union([Type.String(), SecretRef], {
    secret_refs: true,
    [EXPECTATION]: 'a string, {"env": "NAME"} or {"file": "/path"}',
    ...options,
  });
}
