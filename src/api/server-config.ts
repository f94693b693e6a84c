/** The settings of `ubom serve`: the `server` section of ubom.json, overridden by flags. */
import { Type, type Static } from "@sinclair/typebox";
import { Duration, EXPECTATION, Secret } from "../schemas/types.ts";

/** An API token and what it may do. */
export const ApiToken = Type.Object(
  { token: Secret({ description: "The bearer token" }), access: Type.Union([Type.Literal("read"), Type.Literal("write")], { default: "write" }) },
  { additionalProperties: false },
);

export const ServerConfig = Type.Object(
  {
    listen: Type.String({ default: "127.0.0.1:8080", pattern: "^[^\\s:]+:\\d+$|^\\[[0-9a-fA-F:]+\\]:\\d+$", [EXPECTATION]: "host:port" }),
    data_dir: Type.String({ default: "./ubom-data", description: "Folder of the embedded store" }),
    tokens: Type.Array(ApiToken, { default: [], description: "Bearer tokens; also UBOM_API_TOKENS=token:read,token:write" }),
    concurrency: Type.Object(
      {
        global: Type.Integer({ minimum: 1, default: 8 }),
        per_type: Type.Record(Type.String(), Type.Integer({ minimum: 1 }), { default: {} }),
      },
      { additionalProperties: false, default: {} },
    ),
    max_body_bytes: Type.Integer({ minimum: 1024, default: 1024 * 1024 }),
    shutdown_grace: Duration({ default: "30s", description: "How long running works may finish after SIGTERM" }),
  },
  { additionalProperties: false },
);
export type ServerConfig = Static<typeof ServerConfig>;
