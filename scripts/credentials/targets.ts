// What the tool manages for a stage: each provider's client id and secret, and each webhook scheme's signing secret.
import { PROVIDERS, PROVIDER_IDS, type ProviderId } from '../../lambda/providers/registry';
import { clientSecretNames } from '../../lambda/store/client-credentials';
import { WEBHOOKS } from '../../lambda/webhooks/registry';
import { signingSecrets } from '../../lambda/webhooks/secrets';
import type { WebhookScheme } from '../../lambda/webhooks/types';

/** A signing secret's target name on the command line and in import files, e.g. `stripe-webhook`. */
export type WebhookTargetId = `${ProviderId}-webhook`;

export type TargetId = ProviderId | WebhookTargetId;

export function webhookTargetId(provider: ProviderId): WebhookTargetId {
  return `${provider}-webhook`;
}

/** The signing secrets the webhook schemes declare (lambda/webhooks: `key.source` `signing-secret`). */
export const SIGNING_SECRETS = signingSecrets(Object.values(WEBHOOKS) as WebhookScheme[]);

export type FieldKey = 'clientId' | 'clientSecret' | 'webhookSecret';

/** One secret of a target. */
export interface Field {
  key: FieldKey;
  /** Prompt label, e.g. `Client id`. */
  label: string;
  /** Environment variable the value may come from. */
  env: string;
  /** Never shown, not even masked; the client id is not secret but is not printed either. */
  sensitive: boolean;
  secretName: string;
  /** The value's documented shape, where the tool knows one beyond the generic checks (signing secrets). */
  shape?: { pattern: RegExp; hint: string };
}

export interface Target {
  id: TargetId;
  displayName: string;
  fields: readonly Field[];
}

/** Every target of a stage's secret prefix: the providers in registry order, then the webhook signing secrets. */
export function allTargets(prefix: string): Target[] {
  const providers: Target[] = PROVIDER_IDS.map((id) => {
    const names = clientSecretNames(prefix, id);
    return {
      id,
      displayName: PROVIDERS[id].displayName,
      fields: [
        {
          key: 'clientId',
          label: 'Client id',
          env: 'LISTBACKUP_CLIENT_ID',
          sensitive: false,
          secretName: names.clientId,
        },
        {
          key: 'clientSecret',
          label: 'Client secret',
          env: 'LISTBACKUP_CLIENT_SECRET',
          sensitive: true,
          secretName: names.clientSecret,
        },
      ],
    };
  });
  const webhooks: Target[] = SIGNING_SECRETS.map(({ provider, key, secret }) => ({
    id: webhookTargetId(provider),
    displayName: secret.label,
    fields: [
      {
        key: 'webhookSecret',
        label: 'Webhook signing secret',
        env: 'LISTBACKUP_WEBHOOK_SECRET',
        sensitive: true,
        secretName: `${prefix}/${key}`,
        shape: { pattern: secret.pattern, hint: secret.hint },
      },
    ],
  }));
  return [...providers, ...webhooks];
}

/** Target ids accepted on the command line and as import file keys. */
export const TARGET_IDS: readonly TargetId[] = [
  ...PROVIDER_IDS,
  ...SIGNING_SECRETS.map((s) => webhookTargetId(s.provider)),
];

export function isTargetId(value: string): value is TargetId {
  return (TARGET_IDS as readonly string[]).includes(value);
}

/** The target named `id` under `prefix`. */
export function targetOf(prefix: string, id: TargetId): Target {
  return allTargets(prefix).find((t) => t.id === id) as Target;
}
