// Rules across stages and against the deploying account: settings that validate alone but cannot work together.
import { SettingsError, loadSettings } from './config';
import type { StageSettings } from './config';
import { AUDIT_AUTHORIZER_ID, PLACEHOLDERS, STAGES } from './stages';

/** What stages sharing an account and region must not share: each would be created twice. */
interface Collision {
  readonly setting: 'secretPrefix' | 'tablePrefix';
  readonly applies: (a: StageSettings, b: StageSettings) => boolean;
  readonly why: string;
  readonly wayOut: string;
}

const COLLISIONS: readonly Collision[] = [
  {
    setting: 'secretPrefix',
    // A stage that imports its secrets creates none, so only two creating stages collide.
    applies: (a, b) => !a.importClientSecrets && !b.importClientSecrets,
    why: 'both create the client-credential secrets under it, so the second deploy fails on names that exist',
    wayOut:
      'give each stage its own account (recommended), a distinct secretPrefix (e.g. app/oauth/<stage>), ' +
      'or importClientSecrets: true on the stage that should reuse the other\u2019s secrets',
  },
  {
    setting: 'tablePrefix',
    applies: () => true,
    why: 'both create <tablePrefix>-oauth-states and would read and write each other\u2019s core tables',
    wayOut: 'give each stage its own account (recommended) or a distinct tablePrefix',
  },
];

/**
 * Problems between the stages: every stage but a sandbox one names its account (one account per stage), and two
 * stages in one account and region never create the same secrets or tables.
 * @example stageProblems() // [] for the shipped stages
 */
export function stageProblems(stages: Readonly<Record<string, unknown>> = STAGES): string[] {
  const all = Object.keys(stages).map((stage) => loadSettings(stage, stages));
  const problems: string[] = [];
  for (const s of all) {
    if (!s.sandbox && !s.account) {
      problems.push(
        `stage ${s.stage}: account is missing: every stage that is not a sandbox names its AWS account ` +
          '(one account per stage keeps token grants, secret names and token-access callers apart)',
      );
    }
  }
  all.forEach((a, i) => {
    for (const b of all.slice(i + 1)) {
      if (!a.account || a.account !== b.account || a.region !== b.region) continue;
      for (const c of COLLISIONS) {
        if (a[c.setting] !== b[c.setting] || !c.applies(a, b)) continue;
        problems.push(
          `stages ${a.stage} and ${b.stage} share account ${a.account} in ${a.region} and ${c.setting} ` +
            `${a[c.setting]}: ${c.why}. Way out: ${c.wayOut}`,
        );
      }
    }
  });
  return problems;
}

/**
 * Settings of a stage that a deploy cannot survive: ids still the shipped stand-ins, or the audit's authorizer
 * outside a sandbox stage. Each names the setting and where to get the real value.
 */
export function placeholderProblems(settings: StageSettings): string[] {
  const where = `stage ${settings.stage} (lib/stages.ts)`;
  const problems: string[] = [];
  if ((PLACEHOLDERS.httpApiId as readonly string[]).includes(settings.httpApiId)) {
    problems.push(
      `${where}: httpApiId ${settings.httpApiId} is a placeholder: set the core service's HTTP API id ` +
        `(aws apigatewayv2 get-apis --region ${settings.region})`,
    );
  }
  if (settings.account && (PLACEHOLDERS.account as readonly string[]).includes(settings.account)) {
    problems.push(
      `${where}: account ${settings.account} is a placeholder: set the stage's AWS account id ` +
        '(aws sts get-caller-identity with that account\u2019s credentials)',
    );
  }
  if (!settings.sandbox && settings.authorizerId === AUDIT_AUTHORIZER_ID) {
    problems.push(
      `${where}: authorizerId ${AUDIT_AUTHORIZER_ID} is the audit's (dev) authorizer: set the id of the core ` +
        `authorizer on this stage's API (aws apigatewayv2 get-authorizers --api-id <httpApiId> --region ${settings.region})`,
    );
  }
  return problems;
}

/**
 * Whether the caller's account may act for the stage: the stage's own account, or for a sandbox stage without one,
 * any account no other stage names. undefined when it may.
 */
export function accountProblem(
  settings: StageSettings,
  callerAccount: string,
  stages: Readonly<Record<string, unknown>> = STAGES,
): string | undefined {
  if (settings.account) {
    return settings.account === callerAccount
      ? undefined
      : `your AWS credentials are for account ${callerAccount}, but stage ${settings.stage} lives in account ` +
          `${settings.account}: use that account's credentials (AWS_PROFILE) or fix account in lib/stages.ts`;
  }
  const owner = Object.keys(stages)
    .filter((stage) => stage !== settings.stage)
    .find((stage) => loadSettings(stage, stages).account === callerAccount);
  return owner
    ? `your AWS credentials are for account ${callerAccount}, which belongs to stage ${owner}: sandbox stage ` +
        `${settings.stage} may not be deployed or configured there (its secrets and tables would sit beside ${owner}'s)`
    : undefined;
}

/** Throws one SettingsError listing every problem, if any. */
export function assertNoProblems(problems: readonly string[], what: string): void {
  if (problems.length > 0) {
    throw new SettingsError(`${what}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/**
 * The settings of the stage a synth is for, after the rules: the cross-stage ones always, the placeholder ones when
 * the synth is deploy-bound (`-c deploy=true`, which npm run deploy sets; plain synth for review accepts stand-ins).
 * @example settingsForSynth({ stage: 'prod', deploy: 'true' }) // throws: httpApiId prdapi0001 is a placeholder ...
 */
export function settingsForSynth(
  context: { stage?: unknown; deploy?: unknown },
  stages: Readonly<Record<string, unknown>> = STAGES,
): StageSettings {
  const settings = loadSettings(typeof context.stage === 'string' ? context.stage : undefined, stages);
  assertNoProblems(stageProblems(stages), 'the stages in lib/stages.ts cannot all be deployed');
  if (context.deploy === true || context.deploy === 'true') {
    assertNoProblems(
      placeholderProblems(settings),
      `stage ${settings.stage} is not ready to deploy (-c deploy=true)`,
    );
  }
  return settings;
}
