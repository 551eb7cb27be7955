// Names of the environment variables the stack sets and the handlers read: the contract between the two.

export const ENV = {
  stage: 'STAGE',
  tablePrefix: 'TABLE_PREFIX',
  eventBusName: 'EVENT_BUS_NAME',
  apiUrl: 'API_URL',
  appUrl: 'APP_URL',
  secretPrefix: 'CLIENT_SECRET_PREFIX',
  endpointOverrides: 'PROVIDER_ENDPOINT_OVERRIDES',
  credentialsMaxAge: 'CLIENT_CREDENTIALS_MAX_AGE_SECONDS',
  webhookPublicKeys: 'WEBHOOK_PUBLIC_KEYS',
  stripeMode: 'STRIPE_MODE',
  forcedRefreshMinutes: 'FORCED_REFRESH_MINUTES',
  longThrottleMinutes: 'LONG_THROTTLE_MINUTES',
  allowedOrigins: 'CORS_ALLOWED_ORIGINS',
  tokenVault: 'TOKEN_VAULT',
  tokenKeyId: 'TOKEN_KEY_ID',
  tokenReadFallback: 'TOKEN_VAULT_READ_FALLBACK',
} as const;

export type EnvKey = keyof typeof ENV;
