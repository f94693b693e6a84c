/** Message types from .proto files, with import paths searched as protoc searches them. */
import { existsSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import protobuf from "protobufjs";
import { UbomError } from "../../core/errors.ts";

const loaded = new Map<string, protobuf.Root>();

/**
 * Loads `files` and everything they import, searching `importPaths` (then the working
 * folder); a missing file is an error naming it, its importer and every path searched.
 * Roots are cached per process by their files and paths.
 */
export function loadProtoFiles(files: string[], importPaths: string[]): protobuf.Root {
  const key = JSON.stringify([files, importPaths]);
  const cached = loaded.get(key);
  if (cached) return cached;
  const root = new protobuf.Root();
  root.resolvePath = (origin, target) => {
    // protobufjs bundles the well-known types.
    if (target.startsWith("google/protobuf/")) return target;
    if (isAbsolute(target)) {
      if (existsSync(target)) return target;
      throw missingProto(target, origin, [target]);
    }
    const candidates = [...importPaths.map((dir) => join(dir, target)), resolve(target)];
    const found = candidates.find((candidate) => existsSync(candidate));
    if (!found) throw missingProto(target, origin, candidates);
    return found;
  };
  try {
    root.loadSync(files, { keepCase: true });
    root.resolveAll();
  } catch (error) {
    if (error instanceof UbomError) throw error;
    throw new UbomError(`cannot load the proto files: ${(error as Error).message}`, { code: "grpc.proto_invalid", cause: error });
  }
  loaded.set(key, root);
  return root;
}

function missingProto(target: string, origin: string, searched: string[]): UbomError {
  const importer = origin ? ` (imported by ${origin})` : "";
  return new UbomError(`cannot find ${target}${importer}; searched ${searched.join(", ")}`, {
    code: "grpc.proto_not_found",
    details: { file: target, imported_by: origin || undefined, searched },
  });
}
