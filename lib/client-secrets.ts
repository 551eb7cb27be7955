// Client credentials of every provider in the registry (and the webhook schemes' signing secrets) in Secrets Manager.
import { RemovalPolicy, SecretValue, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { PROVIDER_IDS, type ProviderId } from '../lambda/providers/registry';
import { WEBHOOKS } from '../lambda/webhooks/registry';
import { credentialKeys, type CredentialKey, type SigningSecretKey } from '../lambda/providers/secret-keys';
import { signingSecretKeys, webhookSecretKeys } from '../lambda/webhooks/secrets';
import type { WebhookScheme } from '../lambda/webhooks/types';

/** Key of one secret under the prefix, e.g. `google/client_id`. */
export type ClientSecretKey = CredentialKey | SigningSecretKey;

/** The credential pair of each provider, in registry order (what `clientCredentials()` in lambda/store reads). */
export function credentialKeysOf(providers: readonly ProviderId[]): CredentialKey[] {
  return providers.flatMap((id) => {
    const keys = credentialKeys(id);
    return [keys.clientId, keys.clientSecret];
  });
}

const SCHEMES: readonly WebhookScheme[] = Object.values(WEBHOOKS);

/** The credential pair of every provider (from the registry, so a new provider gets its secrets here). */
export const CLIENT_CREDENTIAL_KEYS: readonly CredentialKey[] = credentialKeysOf(PROVIDER_IDS);

/** The endpoint signing secrets the webhook schemes declare (`key: { source: 'signing-secret' }`). */
export const SIGNING_SECRET_KEYS: readonly SigningSecretKey[] = signingSecretKeys(SCHEMES);

/** Every key the stack holds: the credential pairs, then the signing secrets. */
export const CLIENT_SECRET_KEYS: readonly ClientSecretKey[] = [
  ...CLIENT_CREDENTIAL_KEYS,
  ...SIGNING_SECRET_KEYS,
];

/** What the webhooks function reads: each scheme's key and app-id source (webhookSecretKeys). */
export const WEBHOOK_SECRET_KEYS: readonly ClientSecretKey[] = SCHEMES.flatMap(webhookSecretKeys);

/** Value a created secret holds until an operator uploads the real one; the handlers refuse it (PLACEHOLDER_PREFIX). */
export function placeholderValue(provider: string, stage: string): string {
  return `PLACEHOLDER: upload with npm run credentials -- set ${provider} --stage ${stage}`;
}

export interface ClientSecretsProps {
  readonly stage: string;
  /** Path prefix, e.g. `app/oauth`. */
  readonly secretPrefix: string;
  /** The secrets exist already (created by hand or by another stack): import them by name, create nothing. */
  readonly importExisting: boolean;
}

export class ClientSecrets extends Construct {
  private readonly secrets = new Map<ClientSecretKey, secretsmanager.ISecret>();

  constructor(scope: Construct, id: string, props: ClientSecretsProps) {
    super(scope, id);
    for (const key of CLIENT_SECRET_KEYS) {
      const secretName = `${props.secretPrefix}/${key}`;
      const provider = key.split('/')[0];
      const secret = props.importExisting
        ? secretsmanager.Secret.fromSecretNameV2(this, key.replace('/', '-'), secretName)
        : new secretsmanager.Secret(this, key.replace('/', '-'), {
            secretName,
            description: `OAuth ${key.replace('/', ' ')} of ListBackup integrations (${props.stage})`,
            secretStringValue: SecretValue.unsafePlainText(placeholderValue(provider, props.stage)),
            // The real value is uploaded by an operator and issued by the provider's console: never lose it with the
            // stack. Not retained when the stack's first create rolls back, so a retry does not trip over the names.
            removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
          });
      this.secrets.set(key, secret);
    }
    if (!props.importExisting) {
      Validations.of(this).acknowledge({
        id: 'AwsSolutions-SMG4',
        reason:
          "Client ids and secrets are issued in each provider's developer console (and Stripe's webhook signing secret " +
          'in its dashboard); Secrets Manager cannot rotate them. Operators rotate them at the provider and upload with ' +
          'npm run credentials.',
      });
    }
  }

  /**
   * GetSecretValue and DescribeSecret on exactly the named secrets, and BatchGetSecretValue where a client id and
   * secret pair is among them (clientCredentials reads the pair in one call). BatchGetSecretValue has no resource
   * type in IAM, so its only valid resource is "*": `acknowledge` records that for cdk-nag.
   */
  grantRead(
    grantee: iam.IGrantable,
    keys: readonly ClientSecretKey[],
    acknowledge: (id: string, reason: string) => void,
  ): void {
    for (const key of keys) {
      const secret = this.secrets.get(key);
      if (!secret) throw new Error(`no client secret ${key}`);
      secret.grantRead(grantee);
    }
    if (keys.some((k) => k.endsWith('/client_secret'))) {
      iam.Grant.addToPrincipal({
        grantee,
        actions: ['secretsmanager:BatchGetSecretValue'],
        resourceArns: ['*'],
      });
      acknowledge(
        'AwsSolutions-IAM5[Resource::*]',
        'secretsmanager:BatchGetSecretValue has no resource type in IAM ("*" is its only resource); every secret in ' +
          'a batch is still authorized by GetSecretValue on that secret, which is granted on the named secrets only.',
      );
    }
  }

  secretName(key: ClientSecretKey): string {
    const secret = this.secrets.get(key);
    if (!secret) throw new Error(`no client secret ${key}`);
    return secret.secretName;
  }
}
