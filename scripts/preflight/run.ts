// Runs every check of the preflight for one stage and returns the report; only read calls, never a secret value.
import type { StageSettings } from '../../lib/config';
import { stackName } from '../../lib/integrations-stack';
import { placeholderProblems } from '../../lib/stage-rules';
import type { PreflightClients } from './aws';
import { bootstrapFindings, callerAccount, concurrencyFindings, stackState } from './checks/account';
import { apiFindings } from './checks/api';
import { dataFindings } from './checks/data';
import { deployedFindings } from './checks/deployed';
import { secretFindings } from './checks/secrets';
import { vaultFindings } from './checks/vault';
import type { CheckContext } from './context';
import { fail, type Finding, type Report } from './findings';

/**
 * The preflight of a stage: settings, account, stack, the core service's API, tables and bus, the client
 * secrets, the token vault (key alias, migration), room for reserved concurrency, the CDK bootstrap, and after a deploy what the deploy made.
 * @example renderText(await preflight(loadSettings('dev'), STAGES, preflightClients('us-west-2')))
 */
export async function preflight(
  settings: StageSettings,
  stages: Readonly<Record<string, unknown>>,
  clients: PreflightClients,
): Promise<Report> {
  const where = `stage ${settings.stage} (lib/stages.ts)`;
  const settingsFindings: Finding[] = placeholderProblems(settings).map((problem) =>
    fail(
      'settings.placeholder',
      where,
      problem.startsWith(`${where}: `) ? problem.slice(where.length + 2) : problem,
      'replace it in lib/stages.ts with the real value (a deploy refuses it)',
    ),
  );
  const base = { settings, stages, clients, stackName: stackName(settings.stage) };
  const caller = await callerAccount(base);
  const stack = await stackState(base);
  const ctx: CheckContext = { ...base, account: caller.account, stack: stack.stack };
  const groups = await Promise.all([
    apiFindings(ctx),
    dataFindings(ctx),
    secretFindings(ctx),
    vaultFindings(ctx),
    concurrencyFindings(ctx),
    bootstrapFindings(ctx),
    deployedFindings(ctx),
  ]);
  return {
    stage: settings.stage,
    region: settings.region,
    account: caller.account,
    phase: stack.phase,
    findings: [...settingsFindings, ...caller.findings, ...stack.findings, ...groups.flat()],
  };
}
