/**
 * Unary calls at concurrency 64 against one in-process server, in three alternating rounds
 * (medians reported): through the grpc executor
 * (the whole engine path), through a raw @grpc/grpc-js client with the same JSON ↔
 * protobuf conversion (one channel, reused), and with a new channel per call.
 *   bun run bench/grpc.ts [calls]
 */
import { Client, credentials, Metadata } from "@grpc/grpc-js";
import type protobuf from "protobufjs";
import { createRuntime } from "../src/engine/runtime.ts";
import { loadProtoFiles } from "../src/executors/grpc/proto-files.ts";
import { ECHO_PROTO, PROTO_ROOT, startEchoServer } from "../tests/helpers/grpc-server.ts";
import { interleavedRates, ratePerSecond, report } from "./report.ts";

const CALLS = Number(process.argv[2] ?? 20_000);
// A fresh channel costs a TCP and HTTP/2 handshake: fewer calls give the same rate.
const NEW_CHANNEL_CALLS = Math.min(CALLS, 2_000);
const CONCURRENCY = 64;

const server = await startEchoServer();
const endpoint = `127.0.0.1:${server.port}`;
const runtime = await createRuntime({});
const root = loadProtoFiles([ECHO_PROTO], [PROTO_ROOT]);
const Request = root.lookupType("ubom.test.v1.SayRequest");
const Reply = root.lookupType("ubom.test.v1.SayReply");
const toJson = (message: protobuf.Message) => Reply.toObject(message, { longs: String, enums: String, defaults: true, bytes: String });

function rawCall(client: Client, i: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    client.makeUnaryRequest(
      "/ubom.test.v1.Echo/Say",
      (message: protobuf.Message) => Buffer.from(Request.encode(message).finish()),
      (bytes: Buffer) => Reply.decode(bytes),
      Request.fromObject({ name: `n${i}` }),
      new Metadata(),
      (error, reply) => (error ? reject(error) : resolve(toJson(reply!))),
    );
  });
}


const pooled = new Client(endpoint, credentials.createInsecure());
const viaRaw = (i: number) => rawCall(pooled, i);
const viaExecutor = async (i: number) => {
  const result = await runtime.engine.execute({ id: `bench-${i}`, type: "grpc", executor_config: { endpoint, method: "ubom.test.v1.Echo/Say" }, input: { name: `n${i}` } });
  if (result.status !== "succeeded") throw new Error(`executor call failed: ${result.error?.message}`);
};
const viaNewChannel = async (i: number) => {
  // grpc-js shares connections between channels by default: a local pool makes it a new one.
  const client = new Client(endpoint, credentials.createInsecure(), { "grpc.use_local_subchannel_pool": 1 });
  try {
    await rawCall(client, i);
  } finally {
    client.close();
  }
};

// Warm-up: JIT, the executor's channel and its reflected descriptors.
await ratePerSecond(2_000, CONCURRENCY, viaRaw);
await ratePerSecond(2_000, CONCURRENCY, viaExecutor);

const { raw, executor, newChannel } = await interleavedRates(
  { raw: { total: CALLS / 2, one: viaRaw }, executor: { total: CALLS / 2, one: viaExecutor }, newChannel: { total: NEW_CHANNEL_CALLS / 2, one: viaNewChannel } },
  CONCURRENCY,
);
report({ bench: "grpc", metric: "executor_calls_per_s_vs_raw_client", value: executor, unit: "calls/s", baseline: raw }, true);
report({ bench: "grpc", metric: "executor_calls_per_s_vs_new_channel_per_call", value: executor, unit: "calls/s", baseline: newChannel }, true);
pooled.close();
await runtime.shutdown();
await server.stop();
