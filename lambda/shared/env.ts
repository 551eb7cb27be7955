// Reads the handler environment once, at module load, failing fast with the missing variable's name.
import type { EndpointOverrides } from '../providers/types';
import { ENV } from './env-names';

/** Where the variables come from: the process environment, or a map a test or tool passes. */
export type EnvSource = Readonly<Record<string, string | undefined>>;

function required(source: EnvSource, name: string): string {
  const value = source[name];
  if (value === undefined || value === '') {
    throw new Error(`environment variable ${name} is not set`);
  }
  return value;
}

function json<T>(source: EnvSource, name: string, fallback: T): T {
  const value = source[name];
  if (!value) return fallback;
  try {
    return JSON.parse(value) as T;
  } catch (cause) {
    throw new Error(`environment variable ${name} is not valid JSON`, { cause });
  }
}

export interface HandlerEnv {
  stage: string;
  tablePrefix: string;
  eventBusName: string;
  apiUrl: string;
  appUrl: string;
  secretPrefix: string;
  endpointOverrides: EndpointOverrides;
  credentialsMaxAgeSeconds: number;
  webhookPublicKeys: Record<string, string>;
  /** Mode of the stage's Stripe platform key; webhooks act on events of this mode only (default live). */
  stripeMode: 'live' | 'test';
  /** At most one refresh forced by a rejected token per source in this many minutes (default 5). */
  forcedRefreshMinutes: number;
  /** A connection throttled longer than this many minutes is counted (default 15). */
  longThrottleMinutes: number;
  /** Origin rules whose pages may call start, complete and disconnect (lambda/shared/cors.ts); default the app's. */
  allowedOrigins: string[];
  /** Where tokens live (lambda/store/vault.ts); default dynamodb-kms. */
  tokenVault: VaultBackend;
  /** KMS key (ARN or alias) that wraps the data keys; required in dynamodb-kms mode. */
  tokenKeyId: string;
  /** While a stage migrates: a missing item is read from its Secrets Manager secret. */
  tokenReadFallback: boolean;
}

export const VAULT_BACKENDS = ['dynamodb-kms', 'secrets-manager'] as const;
export type VaultBackend = (typeof VAULT_BACKENDS)[number];

function vaultBackend(source: EnvSource, name: string): VaultBackend {
  const value = source[name] || 'dynamodb-kms';
  if (!(VAULT_BACKENDS as readonly string[]).includes(value))
    throw new Error(`environment variable ${name} must be ${VAULT_BACKENDS.join(' or ')}`);
  return value as VaultBackend;
}

function stripeMode(source: EnvSource, name: string): 'live' | 'test' {
  const value = source[name] || 'live';
  if (value !== 'live' && value !== 'test')
    throw new Error(`environment variable ${name} must be live or test`);
  return value;
}

function minutes(source: EnvSource, name: string, fallback: number): number {
  const raw = source[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 1440)
    throw new Error(`environment variable ${name} must be a whole number of minutes (1-1440)`);
  return value;
}

/** The allowed-origin rules (a JSON array); without the variable, the origin of the app URL alone. */
export function readAllowedOrigins(source: EnvSource = process.env): string[] {
  const rules = json<unknown>(source, ENV.allowedOrigins, undefined);
  if (rules === undefined) return [new URL(required(source, ENV.appUrl)).origin];
  if (!Array.isArray(rules) || !rules.every((r) => typeof r === 'string'))
    throw new Error(`environment variable ${ENV.allowedOrigins} must be a JSON array of origins`);
  return rules;
}

/** Reads the environment; handlers take it through resources() (lambda/shared/resources.ts). */
export function readEnv(source: EnvSource = process.env): HandlerEnv {
  return {
    stage: required(source, ENV.stage),
    tablePrefix: required(source, ENV.tablePrefix),
    eventBusName: required(source, ENV.eventBusName),
    apiUrl: required(source, ENV.apiUrl),
    appUrl: required(source, ENV.appUrl),
    secretPrefix: required(source, ENV.secretPrefix),
    endpointOverrides: json<EndpointOverrides>(source, ENV.endpointOverrides, {}),
    credentialsMaxAgeSeconds: Number(source[ENV.credentialsMaxAge] ?? 300),
    webhookPublicKeys: json<Record<string, string>>(source, ENV.webhookPublicKeys, {}),
    stripeMode: stripeMode(source, ENV.stripeMode),
    forcedRefreshMinutes: minutes(source, ENV.forcedRefreshMinutes, 5),
    longThrottleMinutes: minutes(source, ENV.longThrottleMinutes, 15),
    allowedOrigins: readAllowedOrigins(source),
    tokenVault: vaultBackend(source, ENV.tokenVault),
    tokenKeyId: source[ENV.tokenKeyId] ?? '',
    tokenReadFallback: source[ENV.tokenReadFallback] === 'true',
  };
}
