// `npm run vault -- migrate --stage <s> [--dry-run] [--delete-secrets] [--rate <n>]`: the vault's operator commands.
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { loadSettings, SettingsError } from '../../lib/config';
import { physicalTableName } from '../../lambda/store/tables';
import { tokenKeyAlias } from '../local/kms-local';
import { migrate, type MigrateOptions } from './migrate';

export const USAGE = `usage: npm run vault -- migrate --stage <stage> [--dry-run] [--delete-secrets] [--rate <per second>]

  migrate          tokenVault 'dynamodb-kms': copies every token secret of the stage (sources/*/oauth-tokens) into
                   <tablePrefix>-oauth-tokens, sealed with the stage's KMS key, never over newer tokens; verifies each copy.
                   tokenVault 'secrets-manager': the tokens stay in their secrets; writes each source's lookup item
                   (external account, next refresh due) where none exists. Prints counts only
  --dry-run        counts what would be copied, writes nothing
  --delete-secrets also schedules each secret whose tokens the table holds for deletion (7-day recovery window)
  --rate <n>       secrets per second at most (default 20)

AWS credentials come from the default chain; AWS_ENDPOINT_URL_* are honoured. See docs/vault.md (runbook).`;

export interface Parsed extends MigrateOptions {
  stage: string;
}

/** The arguments of `migrate`, or an error message. */
export function parseArgs(argv: readonly string[]): Parsed | { error: string } {
  const [command, ...rest] = argv;
  if (command !== 'migrate') return { error: command ? `unknown command ${command}` : 'no command given' };
  const parsed: Parsed = { stage: '', dryRun: false, deleteSecrets: false, ratePerSecond: 20 };
  for (let i = 0; i < rest.length; i += 1) {
    const arg = rest[i];
    if (arg === '--dry-run') parsed.dryRun = true;
    else if (arg === '--delete-secrets') parsed.deleteSecrets = true;
    else if (arg === '--stage') parsed.stage = rest[++i] ?? '';
    else if (arg === '--rate') {
      parsed.ratePerSecond = Number(rest[++i]);
      if (!(parsed.ratePerSecond > 0 && parsed.ratePerSecond <= 1000))
        return { error: '--rate must be a number of secrets per second between 0 and 1000' };
    } else return { error: `unknown option ${arg}` };
  }
  if (!parsed.stage) return { error: '--stage <stage> is required' };
  if (parsed.dryRun && parsed.deleteSecrets)
    return { error: '--dry-run and --delete-secrets exclude each other' };
  return parsed;
}

export async function main(
  argv: readonly string[],
  out = process.stdout,
  err = process.stderr,
): Promise<number> {
  const parsed = parseArgs(argv);
  if ('error' in parsed) {
    err.write(`${parsed.error}\n\n${USAGE}\n`);
    return 2;
  }
  let settings;
  try {
    settings = loadSettings(parsed.stage);
  } catch (error) {
    if (error instanceof SettingsError) {
      err.write(`${error.message}\n`);
      return 2;
    }
    throw error;
  }
  const backend = settings.tokenVault;
  if (backend === 'secrets-manager' && parsed.deleteSecrets) {
    err.write(
      `stage ${parsed.stage} keeps tokenVault: 'secrets-manager': its secrets are its tokens, --delete-secrets refused.\n`,
    );
    return 2;
  }
  process.env.AWS_REGION ??= settings.region;
  const secrets = new SecretsManagerClient({ region: process.env.AWS_REGION, maxAttempts: 5 });
  const counts = await migrate(parsed, {
    secrets,
    settings: {
      stage: settings.stage,
      table: physicalTableName(settings.tablePrefix, 'oauth-tokens'),
      backend,
      keyId: backend === 'dynamodb-kms' ? tokenKeyAlias(settings.stage) : '',
      readFallback: false,
    },
    log: (line) => err.write(`${line}\n`),
  });
  secrets.destroy();
  const verb =
    backend === 'secrets-manager'
      ? parsed.dryRun
        ? 'would write lookups of'
        : 'wrote lookups of'
      : parsed.dryRun
        ? 'would copy'
        : 'copied';
  out.write(
    `stage ${parsed.stage}: ${counts.seen} token secrets, ${verb} ${counts.copied}, already there ${counts.alreadyThere}, ` +
      `failed ${counts.failed}` +
      (parsed.deleteSecrets
        ? `; secrets scheduled for deletion ${counts.secretsDeleted}, kept (not in the table) ${counts.secretsKept}`
        : '') +
      '\n',
  );
  return counts.failed > 0 ? 1 : 0;
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
