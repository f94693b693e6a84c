/** Bearer tokens: required for every /v1 route when the server listens beyond loopback. */
import { timingSafeEqual } from "node:crypto";
import { UbomError } from "../core/errors.ts";
import { fail } from "./errors.ts";

export type Access = "read" | "write";

export interface ApiTokens {
  /** Whether /v1 routes need a token. */
  required: boolean;
  /** What a request's Authorization header allows; throws 401/403 errors. */
  check(authorization: string | null, needs: Access): void;
}

/** Tokens from the config and from `UBOM_API_TOKENS` (`token:read,token:write`). */
export function parseEnvTokens(value: string | undefined): { token: string; access: Access }[] {
  if (!value) return [];
  return value
    .split(",")
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => {
      const at = entry.lastIndexOf(":");
      const access = at > 0 ? entry.slice(at + 1) : "write";
      if (access !== "read" && access !== "write") throw new UbomError(`UBOM_API_TOKENS: an entry's access must be read or write: got ${JSON.stringify(access)}`, { code: "config_error" });
      return { token: at > 0 ? entry.slice(0, at) : entry, access };
    });
}

function same(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

export function createApiTokens(tokens: { token: string; access: Access }[], loopbackOnly: boolean): ApiTokens {
  if (!loopbackOnly && tokens.length === 0) {
    throw new UbomError("refusing to listen beyond loopback without API tokens: set server.tokens in the config or UBOM_API_TOKENS", { code: "config_error" });
  }
  return {
    required: tokens.length > 0,
    check(authorization, needs) {
      if (tokens.length === 0) return;
      const presented = /^Bearer (.+)$/i.exec(authorization ?? "")?.[1];
      if (!presented) fail("unauthorized", "this API needs a bearer token (Authorization: Bearer …)");
      const match = tokens.find((entry) => same(entry.token, presented));
      if (!match) fail("unauthorized", "the bearer token is not valid");
      if (needs === "write" && match.access !== "write") fail("forbidden", "this token may only read");
    },
  };
}
