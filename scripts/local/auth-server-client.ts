// Starts the local authorization server (auth-server.mts, oidc-provider) as a child process and talks to it.
//
// Stable API, used by the local run, the integration and end-to-end tests and the token-lifecycle tests:
//
//   const auth = await startAuthServer({ apiUrl: 'http://localhost:3000' });
//   auth.issuer                    // http://127.0.0.1:<port>
//   auth.overrides                 // EndpointOverrides for PROVIDER_ENDPOINT_OVERRIDES (every provider)
//   auth.credentials.google        // { clientId: 'local-google', clientSecret }
//   await seedClientCredentials(auth.credentials, 'app/oauth')   // into Secrets Manager (the stand-in)
//   await auth.stats()             // counters per provider: authorizations, tokenRequests, revocations
//   await auth.revokeAll('box')    // revoke every grant (of one provider, optionally one account)
//   await auth.expire('refresh_tokens', 'box')  // expire tokens or codes now
//   await auth.failNext('box', 503, 2)          // the next 2 token requests of box answer 503
//   await auth.delayNext('box', 3000)           // the next token request of box answers 3 s later
//   await auth.settings({ codeTtlSeconds: 1 })  // change lifetimes at run time
//   await auth.stop()              // the child exits; also when this process dies (stdin closes)
//
// Options: accessTokenTtlSeconds (default 3600), codeTtlSeconds (60), refreshTokenTtlSeconds (14 days),
// rotateRefreshTokens: true | false | 'registry' (default: as the registry says per provider).
import {
  CreateSecretCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { PROVIDERS, PROVIDER_IDS } from '../../lambda/providers/registry';
import type {
  ClientAuthMethod,
  EndpointOverrides,
  ProviderId,
  Revocation,
} from '../../lambda/providers/types';
import { callbackUrl } from '../../lambda/shared/urls';
import { PROVIDER_QUIRKS, type ProviderQuirks } from './auth-server-quirks';

export interface ClientCredentials {
  clientId: string;
  clientSecret: string;
}

export interface AuthServerOptions {
  /** The API base URL; each client's redirect URI is `<apiUrl>/integrations/oauth/callback/<provider>`. */
  apiUrl: string;
  /** Port on 127.0.0.1 (default: any free one). */
  port?: number;
  accessTokenTtlSeconds?: number;
  codeTtlSeconds?: number;
  refreshTokenTtlSeconds?: number;
  rotateRefreshTokens?: boolean | 'registry';
  /** Providers to register (default: all nine). */
  providers?: readonly ProviderId[];
  /** Forward the server's stderr (default: only shown when it fails to start). */
  debug?: boolean;
}

/** Counters per provider since start. `tokenRequests[p]` has `requests`, `authorization_code`, `refresh_token`, `status_<n>`, `error_<code>`. */
export interface AuthServerStats {
  authorizations: Partial<Record<ProviderId, Record<string, number>>>;
  tokenRequests: Partial<Record<ProviderId, Record<string, number>>>;
  revocations: Partial<Record<ProviderId, Record<string, number>>>;
  revokedGrants: Partial<Record<ProviderId, Record<string, number>>>;
}

export interface AuthServer {
  issuer: string;
  port: number;
  overrides: EndpointOverrides;
  credentials: Record<ProviderId, ClientCredentials>;
  stats(): Promise<AuthServerStats>;
  revokeAll(provider?: ProviderId, account?: string): Promise<number>;
  expire(what: 'access_tokens' | 'refresh_tokens' | 'codes', provider?: ProviderId): Promise<number>;
  failNext(provider: ProviderId, status: number, times?: number, error?: string): Promise<void>;
  /** The next `times` token requests of `provider` are answered `ms` later. */
  delayNext(provider: ProviderId, ms: number, times?: number): Promise<void>;
  /** The server still accepts this access token (as a provider's API would). */
  isActive(accessToken: string): Promise<boolean>;
  /** Ends one access token before its expiry, as a provider that revoked or rotated it. */
  kill(accessToken: string): Promise<boolean>;
  settings(patch: {
    accessTokenTtlSeconds?: number;
    codeTtlSeconds?: number;
    refreshTokenTtlSeconds?: number;
  }): Promise<void>;
  stop(): Promise<void>;
}

/** One provider as the server registers it: an oidc-provider client plus the quirks applied around it. */
export interface AuthServerClientConfig {
  provider: ProviderId;
  displayName: string;
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  tokenEndpointAuthMethod: ClientAuthMethod;
  pkce: boolean;
  rotateRefreshToken: boolean;
  scopes: readonly string[];
  scopeSeparator: ' ' | ',';
  revocation: Pick<Revocation, 'auth' | 'revokes'> | null;
  quirks: ProviderQuirks;
}

/** The configuration line the server reads from its stdin. */
export interface AuthServerConfig {
  port?: number;
  host?: string;
  /** Required in the `x-admin-token` header of the `/__admin/*` routes. */
  adminToken: string;
  accessTokenTtlSeconds?: number;
  codeTtlSeconds?: number;
  refreshTokenTtlSeconds?: number;
  clients: AuthServerClientConfig[];
}

// The server is TypeScript run by tsx, as the other scripts are; its loader is resolved from this package so the
// child starts from any working directory.
const SERVER_ARGS = [
  '--import',
  pathToFileURL(require.resolve('tsx')).href,
  join(__dirname, 'auth-server.mts'),
];
const NOISE =
  /unsupported runtime|oidc-provider WARNING|^\s*$|Use `node --trace-warnings|ExperimentalWarning|jwks|dev interactions/i;

/** Endpoint overrides pointing a provider at the local server (`{shop}` stays a template for Shopify). */
export function localOverrides(
  issuer: string,
  providers: readonly ProviderId[] = PROVIDER_IDS,
): EndpointOverrides {
  const overrides: EndpointOverrides = {};
  for (const id of providers) {
    const base = `${issuer}/p/${id}${PROVIDERS[id].requiresShop ? '/{shop}' : ''}`;
    overrides[id] = {
      authorizationEndpoint: `${base}/authorize`,
      tokenEndpoint: `${base}/token`,
      ...(PROVIDERS[id].revocation ? { revocationEndpoint: `${issuer}/p/${id}/revoke` } : {}),
      issuer,
    };
  }
  return overrides;
}

/** Spawns the server and resolves once it listens. */
export async function startAuthServer(options: AuthServerOptions): Promise<AuthServer> {
  const providers = options.providers ?? PROVIDER_IDS;
  const adminToken = randomBytes(24).toString('base64url');
  const credentials = {} as Record<ProviderId, ClientCredentials>;
  const clients = providers.map((id): AuthServerClientConfig => {
    const entry = PROVIDERS[id];
    credentials[id] = { clientId: `local-${id}`, clientSecret: randomBytes(24).toString('base64url') };
    return {
      provider: id,
      displayName: entry.displayName,
      clientId: credentials[id].clientId,
      clientSecret: credentials[id].clientSecret,
      redirectUri: callbackUrl(options.apiUrl, id),
      tokenEndpointAuthMethod: entry.clientAuth,
      pkce: entry.pkce,
      rotateRefreshToken:
        options.rotateRefreshTokens === undefined || options.rotateRefreshTokens === 'registry'
          ? entry.tokens.rotatesRefreshToken
          : options.rotateRefreshTokens,
      scopes: entry.scopes,
      scopeSeparator: entry.scopeSeparator,
      revocation: entry.revocation
        ? { auth: entry.revocation.auth, revokes: entry.revocation.revokes }
        : null,
      quirks: PROVIDER_QUIRKS[id] ?? {},
    };
  });
  const config: AuthServerConfig = {
    port: options.port ?? 0,
    host: '127.0.0.1',
    adminToken,
    accessTokenTtlSeconds: options.accessTokenTtlSeconds,
    codeTtlSeconds: options.codeTtlSeconds,
    refreshTokenTtlSeconds: options.refreshTokenTtlSeconds,
    clients,
  };

  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, SERVER_ARGS, {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const stderr: string[] = [];
  createInterface({ input: child.stderr }).on('line', (line) => {
    if (NOISE.test(line)) return;
    stderr.push(line);
    if (stderr.length > 50) stderr.shift();
    if (options.debug) process.stderr.write(`[auth-server] ${line}\n`);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.stdin.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    }
  };

  let ready: { port: number; issuer: string };
  try {
    ready = await new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error('the local authorization server did not start within 20 s')),
        20_000,
      );
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`the local authorization server exited (${code}): ${stderr.join('\n')}`));
      });
      createInterface({ input: child.stdout }).once('line', (line) => {
        clearTimeout(timer);
        try {
          resolve(JSON.parse(line));
        } catch (error) {
          reject(error);
        }
      });
      child.stdin.write(`${JSON.stringify(config)}\n`);
    });
  } catch (error) {
    await stop();
    throw error;
  }

  const admin = async <T>(action: string, body?: unknown): Promise<T> => {
    const response = await fetch(`${ready.issuer}/__admin/${action}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { 'x-admin-token': adminToken, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`auth server admin ${action} answered ${response.status}`);
    return (await response.json()) as T;
  };

  return {
    issuer: ready.issuer,
    port: ready.port,
    overrides: localOverrides(ready.issuer, providers),
    credentials,
    stats: () => admin<AuthServerStats>('stats'),
    revokeAll: async (provider, account) =>
      (await admin<{ revoked: number }>('revoke', { provider, account })).revoked,
    expire: async (what, provider) =>
      (await admin<{ expired: number }>('expire', { what, provider })).expired,
    delayNext: async (provider, ms, times = 1) => {
      await admin('delay', { provider, ms, times });
    },
    failNext: async (provider, status, times = 1, error) => {
      await admin('fail', { provider, status, times, error });
    },
    isActive: async (token) => (await admin<{ active: boolean }>('active', { token })).active,
    kill: async (token) => (await admin<{ killed: number }>('kill', { token })).killed === 1,
    settings: async (patch) => {
      await admin('settings', patch);
    },
    stop,
  };
}

/** Writes secrets (name -> value) to Secrets Manager: the AWS stand-ins, or AWS_ENDPOINT_URL_SECRETS_MANAGER. */
export async function seedSecrets(values: Record<string, string>, endpoint?: string): Promise<void> {
  const client = new SecretsManagerClient({
    endpoint: endpoint ?? process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER,
    region: process.env.AWS_REGION ?? 'us-west-2',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  try {
    for (const [name, value] of Object.entries(values)) {
      try {
        await client.send(new CreateSecretCommand({ Name: name, SecretString: value }));
      } catch (error) {
        if ((error as { name?: string }).name !== 'ResourceExistsException') throw error;
        await client.send(new PutSecretValueCommand({ SecretId: name, SecretString: value }));
      }
    }
  } finally {
    client.destroy();
  }
}

/**
 * Writes client credentials where the handlers read them: `<prefix>/<provider>/client_id|client_secret`
 * (the names of lambda/store/client-credentials.ts, not imported: it creates SDK clients at import).
 */
export async function seedClientCredentials(
  credentials: Partial<Record<ProviderId, ClientCredentials>>,
  prefix: string,
  endpoint?: string,
): Promise<void> {
  const values: Record<string, string> = {};
  for (const [id, creds] of Object.entries(credentials) as [ProviderId, ClientCredentials][]) {
    values[`${prefix}/${id}/client_id`] = creds.clientId;
    values[`${prefix}/${id}/client_secret`] = creds.clientSecret;
  }
  await seedSecrets(values, endpoint);
}
