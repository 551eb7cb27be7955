// Per-stage settings: typed, validated once at synth, the only place a stage's values live.
import * as v from 'valibot';
import { PROVIDER_IDS } from '../lambda/providers/registry';
import type { EndpointOverrides } from '../lambda/providers/types';
import { HIGHLEVEL_WEBHOOK_PUBLIC_KEY, ed25519PublicKey } from '../lambda/webhooks/gohighlevel';
import { isOriginPattern, isOriginRule } from '../lambda/shared/cors';
import { PREFLIGHT_MODES } from './cors';
import { STAGES } from './stages';

const httpsUrl = v.pipe(
  v.string('must be a string'),
  v.url('must be an absolute URL'),
  v.check((u) => /^https?:\/\//.test(u) && !u.endsWith('/'), 'must be http(s) without a trailing slash'),
);

const endpointOverride = v.strictObject({
  authorizationEndpoint: v.optional(httpsUrl),
  tokenEndpoint: v.optional(httpsUrl),
  revocationEndpoint: v.optional(httpsUrl),
  issuer: v.optional(v.string()),
});

const providerKeys = Object.fromEntries(
  PROVIDER_IDS.map((id) => [id, v.optional(endpointOverride)]),
) as Record<(typeof PROVIDER_IDS)[number], v.OptionalSchema<typeof endpointOverride, undefined>>;

const count = (fallback: number) =>
  v.optional(
    v.pipe(v.number('must be a number'), v.integer('must be a whole number'), v.minValue(1)),
    fallback,
  );
const percent = (fallback: number) =>
  v.optional(v.pipe(v.number('must be a number'), v.minValue(1), v.maxValue(100)), fallback);

/**
 * Where alarms go and when they fire. Every threshold has a default; the README's runbook says what each
 * alarm means and what to do.
 */
const MonitoringSchema = v.pipe(
  v.strictObject({
    /** An existing SNS topic for the alarms (e.g. the team's on-call topic); else the stack creates one. */
    alarmTopicArn: v.optional(
      v.pipe(
        v.string(),
        v.regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/, 'must be an SNS topic ARN'),
      ),
    ),
    /** Subscribes this address to the created topic (AWS sends a confirmation mail first). */
    alarmEmail: v.optional(v.pipe(v.string(), v.email('must be an e-mail address'))),
    /** Errors of one function in 5 minutes. */
    functionErrors: count(1),
    /** Throttled invocations of one function in 5 minutes. */
    functionThrottles: count(1),
    /** Share of a provider's callbacks failing on our or the provider's side, in 5-minute periods. */
    callbackFaultPercent: percent(20),
    /** Callbacks a provider needs in 5 minutes before its fault rate counts. */
    callbackMinCount: count(5),
    /** Share of refresh attempts not answered ok, over 15 minutes. */
    refreshFailurePercent: percent(25),
    /** Refresh attempts needed in 15 minutes before the failure rate counts. */
    refreshMinCount: count(10),
    /** Connections turning needs_reauth in one hour. */
    needsReauthPerHour: count(10),
    /** Webhook deliveries with a bad signature in 5 minutes. */
    badSignaturesPer5Minutes: count(20),
    /** Token requests failing for a reason an operator must fix, in 5 minutes. */
    tokenAccessFaultsPer5Minutes: count(5),
    /** Refresh tokens of one provider reaching their lifetime within 7 days (largest count in 6 hours). */
    expiringRefreshTokens: count(1),
    /** Connections counted as throttled for longer than longThrottleMinutes within one hour (all providers). */
    longThrottlesPerHour: count(5),
  }),
  v.check(
    (m) => !(m.alarmTopicArn && m.alarmEmail),
    'alarmEmail subscribes to the topic the stack creates; with alarmTopicArn, subscribe on that topic instead',
  ),
);

export type MonitoringSettings = v.InferOutput<typeof MonitoringSchema>;

const StageSettingsSchema = v.strictObject({
  account: v.optional(v.pipe(v.string(), v.regex(/^\d{12}$/, 'must be a 12-digit AWS account id'))),
  region: v.optional(
    v.pipe(v.string(), v.regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region')),
    'us-west-2',
  ),
  apiUrl: httpsUrl,
  appUrl: httpsUrl,
  httpApiId: v.pipe(
    v.string(),
    v.regex(/^[a-z0-9]{10}$/, 'must be an HTTP API id (10 lowercase characters)'),
  ),
  /** The core API's stage that serves our routes (the preflight checks that it auto-deploys). */
  apiStageName: v.optional(
    v.pipe(v.string(), v.regex(/^(\$default|[A-Za-z0-9_-]{1,128})$/, 'must be $default or a stage name')),
    '$default',
  ),
  authorizerId: v.pipe(
    v.string(),
    v.regex(/^[a-z0-9]{6}$/, 'must be an authorizer id (6 lowercase characters)'),
  ),
  eventBusName: v.pipe(v.string(), v.regex(/^[A-Za-z0-9._-]{1,256}$/, 'must be an event bus name')),
  tablePrefix: v.pipe(v.string(), v.regex(/^[A-Za-z0-9._-]{3,200}$/, 'must be a table name prefix')),
  secretPrefix: v.optional(
    v.pipe(v.string(), v.regex(/^[A-Za-z0-9/_+=.@-]+[^/]$/, 'must be a secret path')),
    'app/oauth',
  ),
  importClientSecrets: v.optional(v.boolean('must be true or false'), false),
  endpointOverrides: v.optional(v.strictObject(providerKeys), {}),
  tokenAccessCallerRoleArns: v.optional(
    v.array(
      v.pipe(v.string(), v.regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/, 'must be IAM role ARNs')),
    ),
    [],
  ),
  refreshIntervalMinutes: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(1440)), 10),
  /** At most one refresh forced by a rejected access token per source in this many minutes. */
  forcedRefreshMinutes: v.optional(
    v.pipe(
      v.number(),
      v.integer('must be whole minutes'),
      v.minValue(1, 'must be at least 1'),
      v.maxValue(60, 'must be at most 60'),
    ),
    5,
  ),
  /** A connection the provider throttles for longer than this many minutes is counted (metric, alarm). */
  longThrottleMinutes: v.optional(
    v.pipe(
      v.number(),
      v.integer('must be whole minutes'),
      v.minValue(1, 'must be at least 1'),
      v.maxValue(1440, 'must be at most 1440'),
    ),
    15,
  ),
  logRetentionDays: v.optional(
    v.picklist([7, 14, 30, 60, 90, 180, 365], 'must be 7, 14, 30, 60, 90, 180 or 365'),
    30,
  ),
  /**
   * The Stripe mode of the platform key uploaded for this stage (sk_live_… or sk_test_…). Stripe sends a live
   * Connect endpoint both live and test events; the webhook acts only on events of this mode.
   */
  stripeMode: v.optional(v.picklist(['live', 'test'], "must be 'live' or 'test'"), 'live'),
  /** HighLevel's webhook key; its published key unless a stage overrides it (HighLevel rotated it). */
  highLevelWebhookPublicKey: v.optional(
    v.pipe(
      v.string('must be an Ed25519 public key (PEM)'),
      v.check((pem) => ed25519PublicKey(pem) !== null, 'must be an Ed25519 public key (PEM)'),
    ),
    HIGHLEVEL_WEBHOOK_PUBLIC_KEY,
  ),
  /** Who answers CORS preflights and which origins besides the app URL's may call start, complete, disconnect. */
  cors: v.optional(
    v.pipe(
      v.strictObject({
        preflight: v.optional(
          v.picklist(PREFLIGHT_MODES, `must be ${PREFLIGHT_MODES.map((m) => `'${m}'`).join(' or ')}`),
          'own-routes',
        ),
        additionalOrigins: v.optional(
          v.array(
            v.pipe(
              v.string(),
              v.check(
                isOriginRule,
                'must be origins such as https://app.example.com or https://*.preview.example.com (lowercase, no path)',
              ),
            ),
          ),
          [],
        ),
      }),
      v.check(
        (c) => c.preflight !== 'core-api' || !c.additionalOrigins.some(isOriginPattern),
        "must not use a * pattern with preflight 'core-api': API Gateway's CORS allowOrigins takes exact origins only",
      ),
    ),
    { preflight: 'own-routes', additionalOrigins: [] },
  ),
  /** Where tokens live: DynamoDB items sealed with the stage's KMS key (default), or a secret per source. */
  tokenVault: v.optional(
    v.picklist(['dynamodb-kms', 'secrets-manager'], "must be 'dynamodb-kms' or 'secrets-manager'"),
    'dynamodb-kms',
  ),
  /**
   * While a stage moves from secrets-manager to dynamodb-kms (npm run vault -- migrate): a source without an
   * item yet is read from its secret. Off once the migration is done.
   */
  tokenReadFallback: v.optional(v.boolean('must be true or false'), false),
  /**
   * Reserved concurrency per reservation of lib/handler-specs.ts. Unset (the default) reserves nothing, which fits a
   * fresh account: Lambda refuses a reservation that leaves less than 100 unreserved, and new accounts often start
   * with a quota of 10. The reasons for each reservation are in the README.
   */
  reservedConcurrency: v.optional(
    v.strictObject({
      publicRoute: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(1000))),
      refresher: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(1))),
    }),
    {},
  ),
  /**
   * A developer stage: its `account` may be left out (it deploys into whichever account the credentials name, as
   * long as no other stage names that account) and it may use the audit's authorizer id.
   */
  sandbox: v.optional(v.boolean('must be true or false'), false),
  monitoring: v.optional(MonitoringSchema, {}),
});

export type StageSettings = v.InferOutput<typeof StageSettingsSchema> & {
  stage: string;
  endpointOverrides: EndpointOverrides;
};

/** Raised at synth when a stage is unknown or a setting is missing or malformed. */
export class SettingsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SettingsError';
  }
}

/**
 * Validates the settings of one stage and returns them with defaults filled in.
 * @example loadSettings('dev') // throws SettingsError "stage dev: apiUrl must be an absolute URL"
 */
export function loadSettings(
  stage: string | undefined,
  stages: Readonly<Record<string, unknown>> = STAGES,
): StageSettings {
  if (!stage) {
    throw new SettingsError(
      `no stage given: pass -c stage=<name> (one of ${Object.keys(stages).join(', ')})`,
    );
  }
  const raw = Object.prototype.hasOwnProperty.call(stages, stage) ? stages[stage] : undefined;
  if (raw === undefined) {
    throw new SettingsError(`unknown stage ${stage}: expected one of ${Object.keys(stages).join(', ')}`);
  }
  const result = v.safeParse(StageSettingsSchema, raw);
  if (!result.success) {
    const issue = result.issues[0];
    const key = v.getDotPath(issue) ?? '(settings)';
    const message = issue.kind === 'schema' && issue.received === 'undefined' ? 'is missing' : issue.message;
    throw new SettingsError(`stage ${stage}: ${key} ${message}`);
  }
  return { ...result.output, stage };
}
