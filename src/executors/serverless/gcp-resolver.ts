/**
 * A function named by project, region and name, resolved once to its URL through the
 * Cloud Functions API (@google-cloud/functions, loaded on first use) and cached.
 */
import { UbomError } from "../../core/errors.ts";
import type { GcpConfig } from "./config.ts";

export class GcpFunctionUrls {
  private readonly urls = new Map<string, Promise<string>>();

  resolve(config: GcpConfig): Promise<string> {
    if (config.url) return Promise.resolve(config.url);
    const name = `projects/${config.project}/locations/${config.region}/functions/${config.function}`;
    const key = `${config.api_endpoint ?? ""}|${name}`;
    let url = this.urls.get(key);
    if (!url) {
      url = this.lookUp(name, config);
      this.urls.set(key, url);
      // A failed look-up is not cached: the next work asks again.
      url.catch(() => this.urls.delete(key));
    }
    return url;
  }

  private async lookUp(name: string, config: GcpConfig): Promise<string> {
    const [{ v2 }, gax, { OAuth2Client }] = await Promise.all([import("@google-cloud/functions"), import("google-gax"), import("google-auth-library")]);
    const endpoint = config.api_endpoint ? new URL(config.api_endpoint) : undefined;
    const key = config.credentials ? (JSON.parse(config.credentials.json as string) as { client_email: string; private_key: string }) : undefined;
    const client = new v2.FunctionServiceClient({
      ...(key ? { credentials: { client_email: key.client_email, private_key: key.private_key } } : {}),
      ...(endpoint ? { apiEndpoint: endpoint.hostname, port: Number(endpoint.port) } : {}),
      // A plaintext emulator takes no credentials: an empty auth client keeps the library from
      // probing the GCE metadata server for some.
      ...(endpoint?.protocol === "http:" ? { sslCreds: gax.grpc.credentials.createInsecure(), authClient: new OAuth2Client() as never } : {}),
    });
    try {
      const [fn] = await client.getFunction({ name });
      const uri = fn.serviceConfig?.uri || fn.url;
      if (!uri) throw new UbomError(`function ${name} has no URL: is it HTTP-triggered?`, { code: "gcp.function_has_no_url" });
      return uri;
    } catch (error) {
      if (error instanceof UbomError) throw error;
      const status = error as { code?: number; details?: string; message: string };
      throw new UbomError(`cannot resolve ${name}: ${status.details ?? status.message}`, {
        code: status.code === 5 ? "gcp.function_not_found" : "gcp.resolve_failed",
        retryable: status.code === 14,
        cause: error,
      });
    } finally {
      await client.close();
    }
  }
}
