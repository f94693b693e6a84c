/**
 * Channels pooled per endpoint, credentials and channel options, reused across works,
 * closed after an idle period and at shutdown.
 */
import { readFileSync } from "node:fs";
import { isIP } from "node:net";
import { checkServerIdentity as checkTlsServerIdentity, type PeerCertificate } from "node:tls";
import type { ChannelCredentials, ChannelOptions, Client } from "@grpc/grpc-js";
import { parseDuration } from "../../core/duration.ts";
import type { GrpcConfig } from "./config.ts";

/** A channel in the pool. */
export interface PooledChannel {
  key: string;
  client: Client;
  activeCalls: number;
  lastUsed: number;
}

/** PEM text as is, or the contents of the file it names. */
function pem(value: string | undefined): Buffer | undefined {
  if (value === undefined) return undefined;
  return value.includes("-----BEGIN") ? Buffer.from(value) : readFileSync(value);
}

/** The endpoint's host when it is an IP address literal. */
function ipHostOf(endpoint: string): string | undefined {
  const host = endpoint.replace(/^dns:\/\/\//, "").replace(/:\d+$/, "").replace(/^\[|\]$/g, "");
  return isIP(host) ? host : undefined;
}

/**
 * Bun refuses an IP address as the TLS server name (SNI), which grpc-js sends for an IP
 * endpoint; such channels send a placeholder name and verify the certificate against
 * the IP itself.
 */
const IP_SNI_PLACEHOLDER = "ip-endpoint.invalid";

/** @grpc/grpc-js, loaded on first use: only processes that make gRPC calls pay for it. */
export type GrpcModule = typeof import("@grpc/grpc-js");
let grpcModule: Promise<GrpcModule> | undefined;
export const loadGrpc = (): Promise<GrpcModule> => (grpcModule ??= import("@grpc/grpc-js"));

function channelCredentials(grpc: GrpcModule, config: GrpcConfig): ChannelCredentials {
  const { credentials } = grpc;
  const tls = config.tls;
  if (!tls.enabled) return credentials.createInsecure();
  const ip = tls.server_name ? undefined : ipHostOf(config.endpoint);
  const checkServerIdentity = tls.insecure_skip_verify
    ? () => undefined
    : ip
      ? (_host: string, cert: PeerCertificate) => checkTlsServerIdentity(ip, cert)
      : undefined;
  return credentials.createSsl(pem(tls.ca_cert) ?? null, pem(tls.client_key as string | undefined) ?? null, pem(tls.client_cert) ?? null, {
    rejectUnauthorized: !tls.insecure_skip_verify,
    ...(checkServerIdentity ? { checkServerIdentity } : {}),
  });
}

function channelOptions(config: GrpcConfig): ChannelOptions {
  const options: ChannelOptions = {
    // Service configs come from the work, not from DNS TXT records.
    "grpc.service_config_disable_resolution": 1,
    "grpc.max_receive_message_length": config.max_message_bytes,
    "grpc.max_send_message_length": config.max_message_bytes,
  };
  if (config.tls.enabled) {
    const name = config.tls.server_name ?? (ipHostOf(config.endpoint) ? IP_SNI_PLACEHOLDER : undefined);
    if (name) options["grpc.ssl_target_name_override"] = name;
  }
  if (config.keepalive) {
    options["grpc.keepalive_time_ms"] = parseDuration(config.keepalive.time, "executor_config.keepalive.time");
    options["grpc.keepalive_timeout_ms"] = parseDuration(config.keepalive.timeout, "executor_config.keepalive.timeout");
    options["grpc.keepalive_permit_without_calls"] = config.keepalive.permit_without_calls ? 1 : 0;
  }
  if (config.load_balancing === "round_robin") options["grpc.service_config"] = JSON.stringify({ loadBalancingConfig: [{ round_robin: {} }] });
  return options;
}

/** The pool's key: what makes two channels different. */
function poolKey(config: GrpcConfig): string {
  return JSON.stringify([config.endpoint, config.tls, config.keepalive, config.max_message_bytes, config.load_balancing]);
}

/** Channels by endpoint, credentials and options. */
export class ChannelPool {
  private readonly channels = new Map<string, PooledChannel>();
  private sweeper?: ReturnType<typeof setInterval>;

  constructor(private idleMs: number) {}

  /** Sets the idle period and starts the sweeper that closes idle channels. */
  start(idleMs: number): void {
    this.idleMs = idleMs;
    clearInterval(this.sweeper);
    this.sweeper = setInterval(() => this.closeIdle(), Math.max(1_000, Math.min(idleMs, 60_000)));
    this.sweeper.unref();
  }

  /** The channel for a config, created on first use; release it when the call ends. */
  acquire(grpc: GrpcModule, config: GrpcConfig): PooledChannel {
    const key = poolKey(config);
    let channel = this.channels.get(key);
    if (!channel) {
      channel = { key, client: new grpc.Client(config.endpoint, channelCredentials(grpc, config), channelOptions(config)), activeCalls: 0, lastUsed: Date.now() };
      this.channels.set(key, channel);
    }
    channel.activeCalls += 1;
    channel.lastUsed = Date.now();
    return channel;
  }

  release(channel: PooledChannel): void {
    channel.activeCalls -= 1;
    channel.lastUsed = Date.now();
  }

  /** Closes channels with no call for longer than the idle period. */
  closeIdle(now = Date.now()): number {
    let closed = 0;
    for (const [key, channel] of this.channels) {
      if (channel.activeCalls === 0 && now - channel.lastUsed >= this.idleMs) {
        channel.client.close();
        this.channels.delete(key);
        closed += 1;
      }
    }
    return closed;
  }

  closeAll(): void {
    clearInterval(this.sweeper);
    for (const channel of this.channels.values()) channel.client.close();
    this.channels.clear();
  }

  get size(): number {
    return this.channels.size;
  }

  get activeCalls(): number {
    return [...this.channels.values()].reduce((sum, channel) => sum + channel.activeCalls, 0);
  }
}
