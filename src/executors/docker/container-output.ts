/** Getting a work's output out of a finished container. */
import type Docker from "dockerode";
import { UbomError } from "../../core/errors.ts";
import { dockerError } from "./errors.ts";

/** Reads one file out of a container (running or exited), up to `maxBytes`. */
export async function copyFileOut(container: Docker.Container, path: string, maxBytes: number): Promise<{ text: string; truncated: boolean }> {
  let archive: NodeJS.ReadableStream;
  try {
    archive = await container.getArchive({ path });
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) {
      throw new UbomError(`the output file ${path} does not exist in the container`, { code: "docker.output_file_missing", details: { path } });
    }
    throw dockerError(error, `copy ${path} out of the container`);
  }
  const { extract } = await import("tar-stream");
  // The archive holds the file as its first entry (a folder would hold more).
  return new Promise((resolve, reject) => {
    const tar = extract();
    let result: { text: string; truncated: boolean } | undefined;
    tar.on("entry", (header, stream, next) => {
      const chunks: Buffer[] = [];
      let size = 0;
      stream.on("data", (chunk: unknown) => {
        if (result || header.type !== "file") return;
        const bytes = chunk as Buffer;
        // Keep one byte past the cap: enough to know the file was cut.
        if (size <= maxBytes) chunks.push(bytes);
        size += bytes.length;
      });
      stream.on("end", () => {
        if (!result && header.type === "file") {
          const bytes = Buffer.concat(chunks);
          result = { text: bytes.subarray(0, maxBytes).toString("utf8"), truncated: size > maxBytes };
        } else if (!result) {
          reject(new UbomError(`the output path ${path} is not a regular file`, { code: "docker.output_file_missing", details: { path } }));
        }
        next();
      });
      stream.resume();
    });
    tar.on("finish", () => (result ? resolve(result) : reject(new UbomError(`the output file ${path} is empty or missing`, { code: "docker.output_file_missing" }))));
    tar.on("error", (error) => reject(dockerError(error, `read ${path} from the container`)));
    archive.pipe(tar);
  });
}

/** Parses stdout (or a file) as JSON, naming the first bad bytes when it is not. */
export function parseJsonOutput(text: string, source: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const start = text.trim().slice(0, 40);
    throw new UbomError(`${source} is not JSON (${(error as Error).message}); it starts with ${JSON.stringify(start)}`, {
      code: "docker.invalid_json",
      details: { starts_with: start },
    });
  }
}
