/**
 * Google-signed ID tokens for calling a function whose URL is the audience.
 * With a service-account key: the JWT-bearer grant against the key's own `token_uri`
 * (https://developers.google.com/identity/protocols/oauth2/service-account), signed with
 * jose — google-auth-library ignores `token_uri`. Without one: Application Default
 * Credentials through google-auth-library.
 */
import { UbomError } from "../../core/errors.ts";

const DEFAULT_TOKEN_URI = "https://oauth2.googleapis.com/token";
const REFRESH_BEFORE_MS = 5 * 60_000;

interface ServiceAccountKey {
  client_email: string;
  private_key: string;
  private_key_id?: string;
  token_uri?: string;
}

function parseKey(json: string): ServiceAccountKey {
  let key: Partial<ServiceAccountKey>;
  try {
    key = JSON.parse(json);
  } catch {
    throw new UbomError("credentials.json is not a service account key: it is not JSON", { code: "gcp.bad_credentials" });
  }
  if (typeof key.client_email !== "string" || typeof key.private_key !== "string") {
    throw new UbomError("credentials.json is not a service account key: it lacks client_email or private_key", { code: "gcp.bad_credentials" });
  }
  return key as ServiceAccountKey;
}

/** ID tokens, cached per identity and audience until shortly before they expire. */
export class IdTokenSource {
  private readonly cache = new Map<string, { token: string; refreshAt: number }>();

  async token(audience: string, serviceAccountJson: string | undefined, signal: AbortSignal): Promise<string> {
    const key = serviceAccountJson ? parseKey(serviceAccountJson) : undefined;
    const cacheKey = `${key?.client_email ?? "adc"}|${audience}`;
    const cached = this.cache.get(cacheKey);
    if (cached && cached.refreshAt > Date.now()) return cached.token;
    const token = key ? await this.fromServiceAccount(key, audience, signal) : await this.fromApplicationDefault(audience);
    const { decodeJwt } = await import("jose");
    const expiresAt = (decodeJwt(token).exp ?? 0) * 1000;
    this.cache.set(cacheKey, { token, refreshAt: expiresAt - REFRESH_BEFORE_MS });
    return token;
  }

  private async fromServiceAccount(key: ServiceAccountKey, audience: string, signal: AbortSignal): Promise<string> {
    const tokenUri = key.token_uri ?? DEFAULT_TOKEN_URI;
    // jose loads with the first token a process needs.
    const { importPKCS8, SignJWT } = await import("jose");
    let assertion: string;
    try {
      assertion = await new SignJWT({ target_audience: audience })
        .setProtectedHeader({ alg: "RS256", ...(key.private_key_id ? { kid: key.private_key_id } : {}) })
        .setIssuer(key.client_email)
        .setSubject(key.client_email)
        .setAudience(tokenUri)
        .setIssuedAt()
        .setExpirationTime("1h")
        .sign(await importPKCS8(key.private_key, "RS256"));
    } catch {
      throw new UbomError("the service account's private_key cannot sign: it is not a PKCS#8 RSA key", { code: "gcp.bad_credentials" });
    }
    let response: Response;
    try {
      response = await fetch(tokenUri, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ grant_type: "urn:ietf:params:oauth:grant-type:jwt-bearer", assertion }),
        signal,
      });
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      throw new UbomError(`cannot reach the token endpoint ${tokenUri}: ${(error as Error).message}`, { code: "gcp.token_unreachable", retryable: true });
    }
    const body = (await response.json().catch(() => ({}))) as { id_token?: string; error?: string; error_description?: string };
    if (!response.ok || !body.id_token) {
      throw new UbomError(`the token endpoint refused ${key.client_email}: ${body.error_description ?? body.error ?? response.status}`, {
        code: "gcp.auth_failed",
        retryable: response.status >= 500,
      });
    }
    return body.id_token;
  }

  private async fromApplicationDefault(audience: string): Promise<string> {
    // Loaded on first use: most processes never need it.
    const { GoogleAuth } = await import("google-auth-library");
    try {
      const client = await new GoogleAuth().getIdTokenClient(audience);
      return await client.idTokenProvider.fetchIdToken(audience);
    } catch (error) {
      throw new UbomError(`Application Default Credentials gave no ID token: ${(error as Error).message}`, { code: "gcp.auth_failed" });
    }
  }
}
