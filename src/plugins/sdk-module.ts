/**
 * Serves `@ubom/sdk` to dynamically imported plugin files, in `bun run` and in the
 * compiled binary alike, through Bun's runtime module registry:
 * https://bun.sh/docs/runtime/plugins#virtual-modules
 */
import { plugin } from "bun";
import * as sdk from "./sdk.ts";

/** The specifier plugin files import. */
export const SDK_SPECIFIER = "@ubom/sdk";

let registered = false;

/** Makes `import … from "@ubom/sdk"` resolve to this process's SDK; idempotent. */
export function registerSdkModule(): void {
  if (registered) return;
  registered = true;
  plugin({
    name: "ubom-sdk",
    setup(build) {
      build.module(SDK_SPECIFIER, () => ({ exports: { ...sdk }, loader: "object" }));
    },
  });
}
