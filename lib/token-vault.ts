// The token vault of a stage: the oauth-tokens table, the stage's KMS key (dynamodb-kms) or the sources/ secrets, and per-function grants.
import { ArnFormat, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { TABLES, physicalTableName, type TokenIndex } from '../lambda/store/tables';
import type { VaultBackend } from '../lambda/shared/env';
import { tokenKeyAlias } from '../lambda/store/vault-entry';
import type { HandlerFunction } from './handler-function';

const SCHEMA = TABLES['oauth-tokens'];

/**
 * What a function does with the vault; the construct turns each into the table, key and secret actions the
 * stage's backend needs, and nothing else.
 * - `open-access`: read the item and decrypt the access token (hand it out)
 * - `open-refresh`: read the item and decrypt the refresh token (refresh, revoke)
 * - `create`: store a new source's tokens
 * - `replace`: a refresh's version-checked write
 * - `reconnect`: an unconditional write whatever happened to the source (restores a deleted secret)
 * - `remove`: drop a source's tokens and keep its item as a mark (disconnect, uninstall: `remove(ref, 'recoverable')`)
 * - `erase`: delete a source's item at once (shop/redact, a rolled-back connection: `remove(ref, 'now')`)
 */
export type VaultUse =
  'open-access' | 'open-refresh' | 'create' | 'replace' | 'reconnect' | 'remove' | 'erase';

/** Name prefix of the per-source token secrets of the secrets-manager backend (lambda/store/vault-secrets.ts). */
export const VAULT_PREFIX = 'sources/';

/** Encryption-context keys every seal uses (lambda/store/envelope.ts); a request with any other key is refused. */
export const CONTEXT_KEYS = ['stage', 'accountId', 'sourceId', 'provider', 'purpose'] as const;

/** Key actions the account's administrators keep: managing the key, never using it on data. */
const KEY_ADMIN_ACTIONS = [
  'kms:Create*',
  'kms:Describe*',
  'kms:Enable*',
  'kms:List*',
  'kms:Put*',
  'kms:Update*',
  'kms:Revoke*',
  'kms:Disable*',
  'kms:Get*',
  'kms:Delete*',
  'kms:TagResource',
  'kms:UntagResource',
  'kms:ScheduleKeyDeletion',
  'kms:CancelKeyDeletion',
  'kms:RotateKeyOnDemand',
];

/** An ARN as cdk-nag names it in a finding id: literals kept, `{ Ref: X }` written `<X>`. */
function nagResource(stack: Stack, arn: string): string {
  const render = (part: unknown): string => {
    if (typeof part === 'string') return part;
    if (part && typeof part === 'object' && 'Ref' in part)
      return `<${String((part as { Ref: unknown }).Ref)}>`;
    if (part && typeof part === 'object' && 'Fn::Join' in part) {
      const [separator, parts] = (part as { 'Fn::Join': [string, unknown[]] })['Fn::Join'];
      return parts.map(render).join(separator);
    }
    throw new Error(`cannot name ${JSON.stringify(part)} for cdk-nag`);
  };
  return render(stack.resolve(arn));
}

/** What a set of uses is granted in a backend: one list read by the stack and by the test of recorded calls. */
export interface VaultGrants {
  /** Actions on the oauth-tokens table itself (not its indexes). */
  readonly table: string[];
  /** Purposes (`access`, `refresh`) the function may Decrypt, and seal with GenerateDataKey (dynamodb-kms). */
  readonly decrypt: ('access' | 'refresh')[];
  readonly seal: ('access' | 'refresh')[];
  /** Actions on the per-source token secrets (secrets-manager, or dynamodb-kms while reads fall back). */
  readonly secrets: string[];
}

export function vaultGrants(
  uses: readonly VaultUse[],
  mode: { readonly backend: VaultBackend; readonly readFallback: boolean },
): VaultGrants {
  const has = (u: VaultUse) => uses.includes(u);
  const reads = has('open-access') || has('open-refresh');
  const table: string[] = [];
  if (reads) table.push('dynamodb:GetItem');
  if (has('create') || has('replace') || has('reconnect') || has('remove')) table.push('dynamodb:UpdateItem');
  if (has('erase')) table.push('dynamodb:DeleteItem');
  const kms = mode.backend === 'dynamodb-kms';
  const decrypt = kms ? (['access', 'refresh'] as const).filter((p) => has(`open-${p}`)) : [];
  // A refresh re-seals the access part, and the refresh part when the provider rotated it.
  const seal: ('access' | 'refresh')[] =
    kms && (has('create') || has('reconnect') || has('replace')) ? ['access', 'refresh'] : [];
  const secrets = new Set<string>();
  if (mode.backend === 'secrets-manager' || mode.readFallback) {
    if (reads) secrets.add('secretsmanager:GetSecretValue');
    // Both delete the secret: `remove` within the recovery window, `erase` without one.
    if (has('remove') || has('erase')) secrets.add('secretsmanager:DeleteSecret');
    if (mode.backend === 'secrets-manager') {
      if (has('create')) ['CreateSecret', 'TagResource'].forEach((a) => secrets.add(`secretsmanager:${a}`));
      if (has('replace')) secrets.add('secretsmanager:PutSecretValue');
      if (has('reconnect'))
        // A reconnect after a disconnect finds its secret scheduled for deletion, after a redact none at all.
        ['PutSecretValue', 'CreateSecret', 'RestoreSecret', 'TagResource'].forEach((a) =>
          secrets.add(`secretsmanager:${a}`),
        );
    }
  }
  return { table, decrypt: [...decrypt], seal, secrets: [...secrets].sort() };
}

export interface TokenVaultProps {
  readonly stage: string;
  readonly tablePrefix: string;
  readonly backend: VaultBackend;
  /** dynamodb-kms while migrating: reads fall back to (and removes also delete) the old secrets. */
  readonly readFallback: boolean;
  /** Deletion protection on the table (prod). */
  readonly deletionProtection: boolean;
}

export class TokenVault extends Construct {
  readonly table: dynamodb.Table;
  /** The stage's key (dynamodb-kms only). */
  readonly key?: kms.Key;
  /** ARN pattern of every token secret of this account and region (and only of token secrets). */
  readonly secretsArn: string;
  private readonly usesSecrets: boolean;

  constructor(
    scope: Construct,
    id: string,
    private readonly props: TokenVaultProps,
  ) {
    super(scope, id);
    const attribute = (name: string) => ({ name, type: dynamodb.AttributeType.STRING });
    this.table = new dynamodb.Table(this, 'Table', {
      tableName: physicalTableName(props.tablePrefix, 'oauth-tokens'),
      partitionKey: attribute(SCHEMA.partitionKey),
      sortKey: SCHEMA.sortKey ? attribute(SCHEMA.sortKey) : undefined,
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: SCHEMA.pointInTimeRecovery === true },
      deletionProtection: props.deletionProtection,
      // The only copy of every source's tokens (or of its lookups): never deleted with the stack.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    for (const [indexName, index] of Object.entries(SCHEMA.indexes ?? {})) {
      this.table.addGlobalSecondaryIndex({
        indexName,
        partitionKey: attribute(index.partitionKey),
        sortKey: index.sortKey ? attribute(index.sortKey) : undefined,
        projectionType: index.keysOnly ? dynamodb.ProjectionType.KEYS_ONLY : dynamodb.ProjectionType.ALL,
      });
    }

    if (props.backend === 'dynamodb-kms') {
      this.key = new kms.Key(this, 'Key', {
        description: `Wraps the data keys of the OAuth tokens of stage ${props.stage} (listbackup-integrations)`,
        alias: tokenKeyAlias(props.stage),
        enableKeyRotation: true,
        removalPolicy: RemovalPolicy.RETAIN,
        // Administrators manage the key; only the token-handling functions' roles (added per grant) use it.
        policy: new iam.PolicyDocument({
          statements: [
            new iam.PolicyStatement({
              sid: 'KeyAdministration',
              principals: [new iam.AccountRootPrincipal()],
              actions: KEY_ADMIN_ACTIONS,
              resources: ['*'],
            }),
          ],
        }),
      });
    }
    this.usesSecrets = props.backend === 'secrets-manager' || props.readFallback;
    this.secretsArn = Stack.of(this).formatArn({
      service: 'secretsmanager',
      resource: 'secret',
      // sources/{accountId}/{sourceId}/oauth-tokens and Secrets Manager's six-character suffix: nothing else under
      // sources/ (another service's secrets there stay out of reach).
      resourceName: `${VAULT_PREFIX}*/oauth-tokens-??????`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
  }

  /** Exactly what the uses need in this stage's backend: table items, the key under the stage's context, secrets. */
  grant(fn: HandlerFunction, uses: readonly VaultUse[]): void {
    const grants = vaultGrants(uses, this.props);
    // The table itself only: Table.grant would add every index (`index/*`) as well.
    iam.Grant.addToPrincipal({
      grantee: fn,
      actions: grants.table,
      resourceArns: [this.table.tableArn],
    });

    if (this.key) {
      if (grants.decrypt.length) this.allowKey(fn, 'kms:Decrypt', grants.decrypt);
      if (grants.seal.length) this.allowKey(fn, 'kms:GenerateDataKey', grants.seal);
    }

    if (this.usesSecrets) {
      const actions = grants.secrets;
      if (actions.length) {
        iam.Grant.addToPrincipal({
          grantee: fn,
          actions,
          resourceArns: [this.secretsArn],
        });
        fn.acknowledge(
          `AwsSolutions-IAM5[Resource::${nagResource(Stack.of(this), this.secretsArn)}]`,
          'Token secrets are created at run time, one per connected source (sources/{accountId}/{sourceId}/oauth-tokens), ' +
            'so their names are not known at deploy time; the grant is limited to sources/*/oauth-tokens-?????? and to the listed actions.',
        );
      }
    }
  }

  /** Query on the listed indexes of the oauth-tokens table only (the ARN names each index). */
  grantQuery(fn: HandlerFunction, indexes: readonly TokenIndex[]): void {
    if (!indexes.length) return;
    iam.Grant.addToPrincipal({
      grantee: fn,
      actions: ['dynamodb:Query'],
      resourceArns: indexes.map((index) => `${this.table.tableArn}/index/${index}`),
    });
  }

  /**
   * A key-policy statement for one function role: one operation, only with this stage's context, only for the
   * listed purposes, and with no context key but the envelope's.
   */
  private allowKey(fn: HandlerFunction, action: 'kms:Decrypt' | 'kms:GenerateDataKey', purposes: string[]) {
    const key = this.key as kms.Key;
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: `${action === 'kms:Decrypt' ? 'Decrypt' : 'Seal'}By${fn.node.id}`,
        principals: [new iam.ArnPrincipal((fn.role as iam.IRole).roleArn)],
        actions: [action],
        resources: ['*'],
        conditions: {
          StringEquals: {
            'kms:EncryptionContext:stage': this.props.stage,
            'kms:EncryptionContext:purpose': purposes,
          },
          'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': [...CONTEXT_KEYS] },
          Null: { 'kms:EncryptionContext:accountId': 'false', 'kms:EncryptionContext:sourceId': 'false' },
        },
      }),
    );
  }
}
