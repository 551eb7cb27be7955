// What the tool manages for a stage: each provider's client id and secret, and Stripe's webhook signing secret.
import { PROVIDERS, PROVIDER_IDS, type ProviderId } from '../../lambda/providers/registry';
import { clientSecretNames } from '../../lambda/store/client-credentials';
import { signingSecretKey } from '../../lambda/webhooks/secrets';

/** The webhook secret's target name on the command line and in import files. */
export const STRIPE_WEBHOOK = 'stripe-webhook';

export type TargetId = ProviderId | typeof STRIPE_WEBHOOK;

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
}

export interface Target {
  id: TargetId;
  displayName: string;
  fields: readonly Field[];
}

/** Secret name of Stripe's webhook endpoint signing secret (the one lib/client-secrets.ts creates for its scheme). */
export function webhookSecretName(prefix: string): string {
  return `${prefix}/${signingSecretKey('stripe')}`;
}

/** Every target of a stage's secret prefix: the nine providers in registry order, then the Stripe webhook secret. */
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
  const webhook: Target = {
    id: STRIPE_WEBHOOK,
    displayName: 'Stripe webhook signing secret',
    fields: [
      {
        key: 'webhookSecret',
        label: 'Webhook signing secret',
        env: 'LISTBACKUP_WEBHOOK_SECRET',
        sensitive: true,
        secretName: webhookSecretName(prefix),
      },
    ],
  };
  return [...providers, webhook];
}

/** Target ids accepted on the command line and as import file keys. */
export const TARGET_IDS: readonly TargetId[] = [...PROVIDER_IDS, STRIPE_WEBHOOK];

export function isTargetId(value: string): value is TargetId {
  return (TARGET_IDS as readonly string[]).includes(value);
}

/** The target named `id` under `prefix`. */
export function targetOf(prefix: string, id: TargetId): Target {
  return allTargets(prefix).find((t) => t.id === id) as Target;
}
