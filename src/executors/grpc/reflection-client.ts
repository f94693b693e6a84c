/**
 * A client of gRPC server reflection (v1, falling back to v1alpha): fetches the file
 * descriptors that define a service, and their dependencies, as a protobufjs Root.
 * Protocol: https://github.com/grpc/grpc/blob/master/doc/server-reflection.md
 */
import type { Client, Metadata, ServiceError } from "@grpc/grpc-js";
import protobuf from "protobufjs";
import descriptor from "protobufjs/ext/descriptor/index.js";
import { UbomError } from "../../core/errors.ts";

const REFLECTION_PROTO = `
syntax = "proto3";
package reflection;
message ServerReflectionRequest {
  string host = 1;
  oneof message_request {
    string file_by_filename = 3;
    string file_containing_symbol = 4;
  }
}
message ServerReflectionResponse {
  string valid_host = 1;
  ServerReflectionRequest original_request = 2;
  oneof message_response {
    FileDescriptorResponse file_descriptor_response = 4;
    ErrorResponse error_response = 7;
  }
}
message FileDescriptorResponse { repeated bytes file_descriptor_proto = 1; }
message ErrorResponse { int32 error_code = 1; string error_message = 2; }
`;

const messages = protobuf.parse(REFLECTION_PROTO, { keepCase: true }).root;
const Request = messages.lookupType("reflection.ServerReflectionRequest");
const Response = messages.lookupType("reflection.ServerReflectionResponse");
const FileDescriptorProto = (descriptor as unknown as { FileDescriptorProto: protobuf.Type }).FileDescriptorProto;

interface ReflectionRequest {
  file_by_filename?: string;
  file_containing_symbol?: string;
}

interface ReflectionResponse {
  file_descriptor_response?: { file_descriptor_proto: Uint8Array[] };
  error_response?: { error_code: number; error_message: string };
}

const VERSIONS = ["grpc.reflection.v1", "grpc.reflection.v1alpha"];
const UNIMPLEMENTED = 12;

/** Asks one reflection service version for `symbol`'s file and its dependencies. */
function fetchFiles(client: Client, version: string, symbol: string, metadata: Metadata, signal: AbortSignal): Promise<protobuf.Message[]> {
  return new Promise((resolve, reject) => {
    const call = client.makeBidiStreamRequest(
      `/${version}.ServerReflection/ServerReflectionInfo`,
      (request: ReflectionRequest) => Buffer.from(Request.encode(Request.fromObject(request)).finish()),
      (bytes: Buffer) => Response.toObject(Response.decode(bytes), { defaults: false }) as ReflectionResponse,
      metadata,
    );
    const files = new Map<string, protobuf.Message>();
    const requested = new Set<string>();
    let pending = 0;
    const ask = (request: ReflectionRequest) => {
      pending += 1;
      call.write(request);
    };
    const onAbort = () => call.cancel();
    signal.addEventListener("abort", onAbort, { once: true });
    call.on("data", (response: ReflectionResponse) => {
      pending -= 1;
      if (response.error_response) {
        call.cancel();
        reject(new UbomError(`server reflection cannot describe ${symbol}: ${response.error_response.error_message}`, { code: "grpc.reflection_failed", details: { symbol } }));
        return;
      }
      for (const bytes of response.file_descriptor_response?.file_descriptor_proto ?? []) {
        const file = FileDescriptorProto.decode(bytes) as protobuf.Message & { name: string; dependency?: string[] };
        files.set(file.name, file);
        for (const dependency of file.dependency ?? []) {
          if (!files.has(dependency) && !requested.has(dependency)) {
            requested.add(dependency);
            ask({ file_by_filename: dependency });
          }
        }
      }
      if (pending === 0) call.end();
    });
    call.on("error", (error: ServiceError) => {
      signal.removeEventListener("abort", onAbort);
      reject(error);
    });
    call.on("end", () => {
      signal.removeEventListener("abort", onAbort);
      resolve([...files.values()]);
    });
    ask({ file_containing_symbol: symbol });
  });
}

function allTypes(namespace: protobuf.NamespaceBase): protobuf.Type[] {
  return namespace.nestedArray.flatMap((nested) => [
    ...(nested instanceof protobuf.Type ? [nested] : []),
    ...(nested instanceof protobuf.Namespace || nested instanceof protobuf.Type ? allTypes(nested) : []),
  ]);
}

/**
 * protobufjs reads a map field from a descriptor as a repeated entry message; JSON in and
 * out must see a map, as the .proto declared it. The entry type carries `map_entry`.
 */
function restoreMapFields(root: protobuf.Root): protobuf.Root {
  root.resolveAll();
  for (const type of allTypes(root)) {
    for (const field of type.fieldsArray) {
      const entry = field.resolvedType;
      const options = entry instanceof protobuf.Type ? (entry.options ?? {}) : {};
      if (!field.repeated || !(entry instanceof protobuf.Type) || !(options.map_entry || options.mapEntry)) continue;
      const key = entry.fields.key!;
      const value = entry.fields.value!;
      type.remove(field);
      type.add(new protobuf.MapField(field.name, field.id, key.type, value.resolvedType ? value.resolvedType.fullName : value.type));
    }
  }
  root.resolveAll();
  return root;
}

/** The descriptors of `service` from the server's reflection service, as a Root. */
export async function reflectService(client: Client, service: string, metadata: Metadata, signal: AbortSignal): Promise<protobuf.Root> {
  let lastError: unknown;
  for (const version of VERSIONS) {
    try {
      const files = await fetchFiles(client, version, service, metadata, signal);
      return restoreMapFields((protobuf.Root as unknown as { fromDescriptor(set: unknown): protobuf.Root }).fromDescriptor({ file: files }));
    } catch (error) {
      lastError = error;
      if ((error as ServiceError).code !== UNIMPLEMENTED) break;
    }
  }
  if (lastError instanceof UbomError) throw lastError;
  const status = lastError as ServiceError;
  throw new UbomError(`server reflection failed: ${status.details ?? status.message}`, {
    code: status.code === UNIMPLEMENTED ? "grpc.reflection_unavailable" : "grpc.reflection_failed",
    retryable: status.code === 14,
    details: { grpc_code: status.code },
    cause: lastError,
  });
}
