/** What executors and plugins say about themselves: schemas, metadata, identity. */
import type { TSchema } from "@sinclair/typebox";
import type { WorkStatus } from "./result.ts";
import type { WorkType } from "./work.ts";

/** The TypeBox schemas of a work's parts; `config` validates `executor_config`. */
export interface WorkSchema {
  config: TSchema;
  input?: TSchema;
  output?: TSchema;
}

/** What an executor can do, as data (Nomad's driver capabilities). */
export interface ExecutorCapabilities {
  cancellable?: boolean;
  streams_logs?: boolean;
  [capability: string]: unknown;
}

/** A work an executor offers as an example; the conformance suite runs them. */
export interface WorkExample {
  name: string;
  description?: string;
  executor_config: Record<string, unknown>;
  input?: unknown;
  /** The status the example ends with; `succeeded` by default. */
  expect?: WorkStatus;
  /** Runs until stopped (or long enough): the conformance suite cancels it and times it out. */
  runs_until_stopped?: boolean;
}

/** Describes an executor. */
export interface WorkMetadata {
  name: string;
  version: string;
  description?: string;
  supported_types: WorkType[];
  capabilities?: ExecutorCapabilities;
  examples?: WorkExample[];
}

/** Identifies a plugin. */
export interface PluginInfo {
  name: string;
  version: string;
  description?: string;
  author?: string;
  homepage?: string;
}
