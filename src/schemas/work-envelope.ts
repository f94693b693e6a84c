/** The schema of the work document itself, whatever its type. */
import { Type, type Static } from "@sinclair/typebox";
import type { Work } from "../core/work.ts";
import { Duration, EXPECTATION } from "./types.ts";

/** The engine's retry policy; defaults give one attempt. */
export const RetryPolicySchema = Type.Object(
  {
    max_attempts: Type.Integer({ minimum: 1, maximum: 100, default: 1, description: "Attempts in all, the first included" }),
    initial_delay: Duration({ default: "1s", description: "Delay before the second attempt" }),
    max_delay: Duration({ default: "1m", description: "Upper bound of any delay" }),
    multiplier: Type.Number({ minimum: 1, maximum: 10, default: 2, description: "Factor applied to the delay after each attempt" }),
  },
  { additionalProperties: false },
);

/** The work envelope: every work, of every type, is one of these. */
export const WorkEnvelope = Type.Object(
  {
    id: Type.String({
      pattern: "^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$",
      [EXPECTATION]: "1 to 128 letters, digits, '.', '_', ':' or '-', starting with a letter or digit",
      description: "Unique id of the work; a resubmission with the same id is the same work",
    }),
    type: Type.String({
      pattern: "^[a-z][a-z0-9_.-]{0,63}$",
      [EXPECTATION]: "a work type such as docker, grpc or http (lower case)",
      description: "Which executor runs the work",
    }),
    name: Type.Optional(Type.String({ maxLength: 256, description: "Human-readable name" })),
    executor_config: Type.Record(Type.String(), Type.Unknown(), {
      description: "The executor's configuration; its schema is the executor's",
    }),
    input: Type.Optional(Type.Unknown({ description: "Data given to the work" })),
    timeout: Type.Optional(Duration({ description: "Per attempt" })),
    retry: Type.Optional(RetryPolicySchema),
    labels: Type.Optional(Type.Record(Type.String(), Type.String(), { description: "Free-form labels, for filtering" })),
  },
  { additionalProperties: false, title: "ubom work" },
);

/** The envelope as validated (defaults applied). */
export type WorkEnvelope = Static<typeof WorkEnvelope>;

// The contract's hand-written Work and the schema must describe the same document.
const envelopeIsWork: (envelope: WorkEnvelope) => Work = (envelope) => envelope;
void envelopeIsWork;
