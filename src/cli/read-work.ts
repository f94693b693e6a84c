/** Reads a work document from a file or stdin. */
import { readFile } from "node:fs/promises";
import { UbomError } from "../core/errors.ts";

/** Reads and parses `source` ("-" for stdin); errors name the source. */
export async function readWorkDocument(source: string): Promise<unknown> {
  let text: string;
  try {
    text = source === "-" ? await Bun.stdin.text() : await readFile(source, "utf8");
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (error as Error).message;
    throw new UbomError(`cannot read work file ${source}: ${reason}`, { code: "input_error" });
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UbomError(`work file ${source === "-" ? "(stdin)" : source} is not valid JSON: ${(error as Error).message}`, {
      code: "input_error",
    });
  }
}
