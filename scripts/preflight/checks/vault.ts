// The token vault of a stage: the key alias the stack creates is free, and no token secret is left unmigrated where
// reads no longer fall back to Secrets Manager (those sources would read as having no tokens).
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { DescribeKeyCommand } from '@aws-sdk/client-kms';
import { ListSecretsCommand } from '@aws-sdk/client-secrets-manager';
import { physicalTableName } from '../../../lambda/store/tables';
import { tokenKeyAlias } from '../../local/kms-local';
import { TOKEN_SECRET_NAME } from '../../../lambda/store/vault-secrets';
import { isNotFound, unchecked } from '../aws';
import type { CheckContext } from '../context';
import { fail, ok, type Finding } from '../findings';

/** Token secrets looked at (one ListSecrets page): enough to tell a stage that never migrated from one that did. */
export const SAMPLED_SECRETS = 100;

/** Before the first deploy, a key alias of the stage's name would fail the create (the key is retained on delete). */
async function keyAlias(ctx: CheckContext): Promise<Finding | undefined> {
  if (ctx.stack || ctx.settings.tokenVault !== 'dynamodb-kms') return undefined;
  const alias = tokenKeyAlias(ctx.settings.stage);
  const subject = `KMS alias ${alias}`;
  try {
    await ctx.clients.kms.send(new DescribeKeyCommand({ KeyId: alias }));
    return fail(
      'vault.key',
      subject,
      'exists already, but the stack creates it: the first deploy would fail on its name',
      `a key of an earlier deploy of this stage is retained with its tokens' data keys; if no table item uses it, ` +
        `delete the alias (aws kms delete-alias --region ${ctx.settings.region} --alias-name ${alias}) and schedule ` +
        `the key's deletion, otherwise restore that deploy instead of creating a new one`,
    );
  } catch (error) {
    if (isNotFound(error)) return ok('vault.key', subject, 'free: the stack creates it');
    return unchecked('vault.key', subject, `kms:DescribeKey on ${alias}`, error);
  }
}

/** Whether the source's oauth-tokens item holds sealed tokens (or was disconnected on purpose). */
async function sealed(
  ctx: CheckContext,
  table: string,
  accountId: string,
  sourceId: string,
): Promise<boolean> {
  try {
    const { Item } = await ctx.clients.dynamo.send(
      new GetItemCommand({
        TableName: table,
        Key: { accountId: { S: accountId }, sourceId: { S: sourceId } },
        ProjectionExpression: 'sourceId, #a, removedAt',
        ExpressionAttributeNames: { '#a': 'access' },
      }),
    );
    return Boolean(Item?.access || Item?.removedAt);
  } catch (error) {
    if (isNotFound(error)) return false;
    throw error;
  }
}

/** dynamodb-kms without the read fallback: every live token secret must have its sealed copy in the table. */
async function migration(ctx: CheckContext): Promise<Finding | undefined> {
  const { tokenVault, tokenReadFallback, tablePrefix, stage } = ctx.settings;
  if (tokenVault !== 'dynamodb-kms' || tokenReadFallback) return undefined;
  const table = physicalTableName(tablePrefix, 'oauth-tokens');
  const subject = 'token secrets sources/*/oauth-tokens';
  try {
    const page = await ctx.clients.secrets.send(
      new ListSecretsCommand({
        Filters: [{ Key: 'name', Values: ['sources/'] }],
        MaxResults: SAMPLED_SECRETS,
      }),
    );
    const refs = (page.SecretList ?? [])
      .filter((s) => !s.DeletedDate)
      .map((s) => TOKEN_SECRET_NAME.exec(s.Name ?? ''))
      .filter((m): m is RegExpExecArray => m !== null);
    if (refs.length === 0) return ok('vault.migration', subject, 'none left: nothing to migrate');
    const open = await Promise.all(refs.map((m) => sealed(ctx, table, m[1], m[2])));
    const missing = open.filter((x) => !x).length;
    if (missing === 0)
      return ok('vault.migration', subject, `the ${refs.length} looked at are all in ${table}`);
    return fail(
      'vault.migration',
      subject,
      `${missing} of the ${refs.length} looked at have no tokens in ${table}: with tokenReadFallback false those ` +
        'sources would read as having no tokens and need reconnecting',
      `set tokenReadFallback: true for stage ${stage} in lib/stages.ts and deploy, then run npm run vault -- migrate ` +
        `--stage ${stage} until it reports 0 failed, then turn the fallback off (docs/vault.md, migration runbook)`,
    );
  } catch (error) {
    return unchecked(
      'vault.migration',
      subject,
      `secretsmanager:ListSecrets, dynamodb:GetItem on ${table}`,
      error,
    );
  }
}

export async function vaultFindings(ctx: CheckContext): Promise<Finding[]> {
  const found = await Promise.all([keyAlias(ctx), migration(ctx)]);
  return found.filter((f): f is Finding => f !== undefined);
}
