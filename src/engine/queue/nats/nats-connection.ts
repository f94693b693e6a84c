/**
 * Connecting to the NATS cluster and making sure the streams and the results bucket exist
 * with the operator's settings. API nodes and workers both start here.
 */
import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import { AckPolicy, jetstream, jetstreamManager, RetentionPolicy, StorageType, type JetStreamClient, type JetStreamManager, type StreamConfig } from "@nats-io/jetstream";
import { Kvm, type KV } from "@nats-io/kv";
import { connect, credsAuthenticator, nanos, type ConnectionOptions, type NatsConnection } from "@nats-io/transport-node";
import { parseDuration } from "../../../core/duration.ts";
import { UbomError } from "../../../core/errors.ts";
import { silentLogger, type Logger } from "../../../core/context.ts";
import type { QueueConfig } from "./nats-config.ts";
import { NatsNames } from "./names.ts";

/** A connection with everything ubom needs from it. */
export interface NatsCluster {
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  /** Status and result of every work. */
  results: KV;
  names: NatsNames;
  config: QueueConfig;
  /** Milliseconds a worker may stay silent before its work is redelivered. */
  ackWaitMs: number;
  /** The servers, without any credentials, for logs and errors. */
  servers: string;
  /** The largest message the servers take (their max_payload). */
  maxPayload(): number;
  close(): Promise<void>;
}

/** Servers as they may be shown: user info dropped. */
function displayServers(url: string): string {
  return url
    .split(",")
    .map((server) => server.replace(/\/\/[^@/]*@/, "//"))
    .join(",");
}

function connectionOptions(config: QueueConfig, secrets: { token?: string; password?: string }, role: string): ConnectionOptions {
  const options: ConnectionOptions = {
    servers: config.url.split(","),
    name: config.name ?? `ubom-${role}-${hostname()}-${process.pid}`,
    // A cluster restart must not end the process: keep trying, a second apart.
    maxReconnectAttempts: -1,
    reconnectTimeWait: 1000,
    timeout: CONNECT_TIMEOUT_MS,
  };
  if (secrets.token) options.token = secrets.token;
  if (config.user) options.user = config.user;
  if (secrets.password) options.pass = secrets.password;
  if (config.creds_file) {
    const file = config.creds_file;
    options.authenticator = credsAuthenticator(() => readFileSync(file));
  }
  if (config.tls) options.tls = { caFile: config.tls.ca_file, certFile: config.tls.cert_file, keyFile: config.tls.key_file };
  return options;
}

/** How long the first connection may take; a server refusing the TLS handshake shows as a timeout. */
const CONNECT_TIMEOUT_MS = 10_000;

const STORAGE = { file: StorageType.File, memory: StorageType.Memory } as const;

/** Creates a stream, or leaves an existing one as the operator may have tuned it. */
async function ensureStream(jsm: JetStreamManager, config: Partial<StreamConfig> & { name: string }, logger: Logger): Promise<void> {
  try {
    await jsm.streams.info(config.name);
    return;
  } catch (error) {
    if (!/not found/i.test((error as Error).message)) throw error;
  }
  await jsm.streams.add(config);
  logger.info("queue.stream_created", { stream: config.name, replicas: config.num_replicas, storage: config.storage });
}

/**
 * Connects and ensures the work stream (work-queue retention: a message lives until a
 * worker acks it), the dead-letter stream and the results bucket.
 */
export async function connectCluster(config: QueueConfig, secrets: { token?: string; password?: string }, role: "api" | "worker", logger: Logger = silentLogger): Promise<NatsCluster> {
  const servers = displayServers(config.url);
  let nc: NatsConnection;
  try {
    nc = await connect(connectionOptions(config, secrets, role));
  } catch (error) {
    const message = (error as Error).message;
    const hint = /timeout/i.test(message) ? ` after ${CONNECT_TIMEOUT_MS / 1000}s (is the address right? does the server want TLS or a client certificate?)` : "";
    throw new UbomError(`cannot connect to NATS at ${servers}: ${message}${hint}`, { code: "queue_unavailable" });
  }
  const names = new NatsNames(config.prefix);
  try {
    const jsm = await jetstreamManager(nc);
    const js = jetstream(nc);
    await ensureStream(
      jsm,
      {
        name: names.workStream,
        subjects: [names.allWorkSubjects],
        retention: RetentionPolicy.Workqueue,
        storage: STORAGE[config.stream.storage],
        num_replicas: config.stream.replicas,
        max_age: nanos(parseDuration(config.stream.max_age, "queue.stream.max_age")),
        duplicate_window: nanos(parseDuration(config.stream.duplicate_window, "queue.stream.duplicate_window")),
      },
      logger,
    );
    await ensureStream(
      jsm,
      {
        name: names.deadLetterStream,
        subjects: [names.allDeadLetterSubjects],
        retention: RetentionPolicy.Limits,
        storage: STORAGE[config.results.storage],
        num_replicas: config.results.replicas,
        max_age: nanos(parseDuration(config.results.ttl, "queue.results.ttl")),
      },
      logger,
    );
    const results = await new Kvm(js).create(names.resultsBucket, {
      history: 1,
      replicas: config.results.replicas,
      storage: STORAGE[config.results.storage],
      ttl: parseDuration(config.results.ttl, "queue.results.ttl"),
    });
    return {
      nc,
      js,
      jsm,
      results,
      names,
      config,
      ackWaitMs: parseDuration(config.ack_wait, "queue.ack_wait"),
      servers,
      maxPayload: () => nc.info?.max_payload ?? 1024 * 1024,
      close: async () => {
        await nc.drain().catch(() => nc.close());
      },
    };
  } catch (error) {
    await nc.close();
    if (error instanceof UbomError) throw error;
    throw new UbomError(`NATS at ${servers} refused to set up JetStream (is it started with -js?): ${(error as Error).message}`, { code: "queue_unavailable" });
  }
}

/** The durable pull consumer all workers of `type` share; created by the first of them. */
export async function ensureConsumer(cluster: NatsCluster, type: string, maxDeliver: number): Promise<void> {
  const name = cluster.names.consumer(type);
  try {
    await cluster.jsm.consumers.info(cluster.names.workStream, name);
    return;
  } catch (error) {
    if (!/not found/i.test((error as Error).message)) throw error;
  }
  await cluster.jsm.consumers.add(cluster.names.workStream, {
    durable_name: name,
    ack_policy: AckPolicy.Explicit,
    filter_subject: cluster.names.workSubjectsOfType(type),
    ack_wait: nanos(cluster.ackWaitMs),
    max_deliver: maxDeliver,
    max_ack_pending: -1,
  });
}
