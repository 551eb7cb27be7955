// The environment every handler reads (lambda/shared/env.ts): names from the shared contract, values from the stage settings.
import { ENV } from '../lambda/shared/env-names';
import type { EnvKey } from '../lambda/shared/env-names';
import type { StageSettings } from './config';
import { allowedOrigins } from './cors';

/** How long a container caches client credentials, in seconds (Powertools `maxAge`: the default is 5 s). */
export const CLIENT_CREDENTIALS_MAX_AGE_SECONDS = 300;

/** Environment of every handler: names, prefixes and URLs only; secrets are read from Secrets Manager at run time. */
export function handlerEnvironment(
  settings: StageSettings,
  vault: { keyArn?: string } = {},
): Record<string, string> {
  const values: Record<EnvKey, string> = {
    stage: settings.stage,
    tablePrefix: settings.tablePrefix,
    eventBusName: settings.eventBusName,
    apiUrl: settings.apiUrl,
    appUrl: settings.appUrl,
    secretPrefix: settings.secretPrefix,
    endpointOverrides: JSON.stringify(settings.endpointOverrides),
    credentialsMaxAge: String(CLIENT_CREDENTIALS_MAX_AGE_SECONDS),
    // Public keys only (HighLevel signs its webhooks with Ed25519; verification needs nothing secret).
    webhookPublicKeys: JSON.stringify({ gohighlevel: settings.highLevelWebhookPublicKey }),
    stripeMode: settings.stripeMode,
    forcedRefreshMinutes: String(settings.forcedRefreshMinutes),
    longThrottleMinutes: String(settings.longThrottleMinutes),
    allowedOrigins: JSON.stringify(allowedOrigins(settings)),
    tokenVault: settings.tokenVault,
    tokenKeyId: vault.keyArn ?? '',
    tokenReadFallback: String(settings.tokenReadFallback),
  };
  return Object.fromEntries(
    Object.entries(values)
      .filter(([, value]) => value !== '')
      .map(([key, value]) => [ENV[key as EnvKey], value]),
  );
}
