/** The version of this build; `build.ts` embeds the commit. */
import pkg from "../package.json" with { type: "json" };

declare const UBOM_BUILD_COMMIT: string | undefined;

/** The product version from package.json. */
export const VERSION: string = pkg.version;

/** The commit the binary was built from, or "dev" when run from source. */
export const COMMIT: string = typeof UBOM_BUILD_COMMIT === "string" ? UBOM_BUILD_COMMIT : "dev";
