// Client-credential secrets, judged by the credentials tool's own status logic (scripts/credentials/status.ts).
import { CliError } from '../../credentials/errors';
import type { SecretStatus } from '../../credentials/report';
import { awsSecretStore } from '../../credentials/secret-store';
import { secretStatuses } from '../../credentials/status';
import { unchecked } from '../aws';
import type { CheckContext } from '../context';
import { fail, info, ok, type Finding } from '../findings';

function finding(ctx: CheckContext, row: SecretStatus): Finding | undefined {
  const { stage, region, importClientSecrets } = ctx.settings;
  const subject = `secret ${row.secretName}`;
  const set = `npm run credentials -- set ${row.target} --stage ${stage}`;
  switch (row.state) {
    case 'present':
      return ctx.stack || importClientSecrets
        ? undefined
        : fail(
            'secrets.collision',
            subject,
            'exists already, but the stack creates it: the first deploy would fail on its name',
            'set importClientSecrets: true for this stage in lib/stages.ts (the stack then reads the existing secrets), ' +
              'or give the stage another secretPrefix',
          );
    case 'placeholder':
      return fail(
        'secrets.placeholder',
        subject,
        'holds a placeholder, not the provider\u2019s value',
        `upload it: ${set}`,
      );
    case 'malformed':
      return fail(
        'secrets.shape',
        subject,
        'is not shaped as the registry expects (a value of another provider, or a stray character?)',
        `upload it again: ${set}`,
      );
    case 'scheduled for deletion':
      return fail(
        'secrets.deleted',
        subject,
        'is scheduled for deletion',
        `restore it (aws secretsmanager restore-secret --region ${region} --secret-id ${row.secretName}), then ${set}`,
      );
    case 'missing':
      if (!importClientSecrets && !ctx.stack) return undefined;
      return fail(
        'secrets.missing',
        subject,
        'does not exist',
        importClientSecrets
          ? `create it before deploying (aws secretsmanager create-secret --region ${region} --name ${row.secretName} ` +
              `--secret-string PLACEHOLDER), then ${set} (README: the order for a stage that imports its secrets)`
          : 'the stack creates it: deploy again (npm run deploy), then upload the value',
      );
  }
}

export async function secretFindings(ctx: CheckContext): Promise<Finding[]> {
  const { stage, region, secretPrefix, importClientSecrets } = ctx.settings;
  const store = awsSecretStore(ctx.clients.secrets, { stage, region, importClientSecrets });
  let rows: SecretStatus[];
  try {
    rows = await secretStatuses(secretPrefix, store);
  } catch (error) {
    const cause = error instanceof CliError ? (error.cause ?? error) : error;
    return [
      unchecked(
        'secrets',
        `secrets under ${secretPrefix}/`,
        'secretsmanager:DescribeSecret and GetSecretValue',
        cause,
      ),
    ];
  }
  const findings = rows.map((row) => finding(ctx, row)).filter((f): f is Finding => f !== undefined);
  if (findings.length > 0) return findings;
  if (!ctx.stack && !importClientSecrets) {
    return [
      info(
        'secrets',
        `secrets under ${secretPrefix}/`,
        `none yet: the deploy creates all ${rows.length} with placeholders; upload them afterwards (npm run credentials -- status --stage ${stage})`,
      ),
    ];
  }
  return [
    ok(
      'secrets',
      `secrets under ${secretPrefix}/`,
      `all ${rows.length} present and shaped as the registry expects`,
    ),
  ];
}
