// Settings that cannot work together are refused at synth; each documented way out is accepted.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { loadSettings } from '../../lib/config';
import { accountProblem, placeholderProblems, settingsForSynth, stageProblems } from '../../lib/stage-rules';
import { STAGES } from '../../lib/stages';

const ROOT = join(__dirname, '..', '..');
const dev = STAGES.dev as Record<string, unknown>;
const base = { ...dev, sandbox: false, authorizerId: 'qa0aut' };
const qa = { ...base, account: '333333333333', tablePrefix: 'listbackup-qa' };
const uat = { ...base, account: '333333333333', tablePrefix: 'listbackup-uat' };

describe('stageProblems', () => {
  it('accepts the shipped stages', () => {
    expect(stageProblems()).toEqual([]);
  });

  it('refuses a stage that is not a sandbox and names no account', () => {
    expect(stageProblems({ qa: { ...base } })).toEqual([
      expect.stringMatching(/^stage qa: account is missing: every stage that is not a sandbox names/),
    ]);
    expect(stageProblems({ qa: { ...base, sandbox: true } })).toEqual([]);
  });

  it('refuses two stages in one account and region creating secrets under one prefix, saying the way out', () => {
    const problems = stageProblems({ qa, uat });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(
      /^stages qa and uat share account 333333333333 in us-west-2 and secretPrefix app\/oauth: both create/,
    );
    expect(problems[0]).toMatch(
      /Way out: give each stage its own account .* a distinct secretPrefix .* importClientSecrets: true/,
    );
  });

  it.each([
    ['its own account', { ...uat, account: '444444444444' }],
    ['another region', { ...uat, region: 'eu-west-1' }],
    ['a distinct secretPrefix', { ...uat, secretPrefix: 'app/oauth/uat' }],
    ['importClientSecrets on one of them', { ...uat, importClientSecrets: true }],
  ])('accepts the way out: %s', (_, other) => {
    expect(stageProblems({ qa, uat: other })).toEqual([]);
  });

  it('refuses a shared table prefix in one account and region, even when secrets are imported', () => {
    const problems = stageProblems({
      qa,
      uat: { ...uat, tablePrefix: 'listbackup-qa', importClientSecrets: true },
    });
    expect(problems).toEqual([
      expect.stringMatching(/share account 333333333333 in us-west-2 and tablePrefix listbackup-qa/),
    ]);
  });
});

describe('placeholderProblems', () => {
  it.each(['dev', 'staging', 'prod'])(
    'names each stand-in value the shipped stage %s still carries',
    (stage) => {
      const problems = placeholderProblems(loadSettings(stage));
      expect(problems.join('\n')).toMatch(
        new RegExp(`^stage ${stage} \\(lib/stages.ts\\): httpApiId \\w+ is a placeholder`),
      );
      // The audit's authorizer is the dev API's: accepted on the sandbox stage only.
      expect(problems.some((p) => p.includes('authorizerId c0vpx0'))).toBe(stage !== 'dev');
      expect(problems.some((p) => / account \d{12} is a placeholder/.test(p))).toBe(stage !== 'dev');
    },
  );

  it('finds nothing in a stage with real ids', () => {
    expect(placeholderProblems(loadSettings('qa', { qa: { ...qa, httpApiId: 'a1b2c3d4e5' } }))).toEqual([]);
  });
});

describe('settingsForSynth', () => {
  it('accepts stand-in ids for a plain synth (review) and refuses them for a deploy-bound one', () => {
    expect(settingsForSynth({ stage: 'prod' }).stage).toBe('prod');
    expect(() => settingsForSynth({ stage: 'prod', deploy: 'true' })).toThrow(
      /^stage prod is not ready to deploy \(-c deploy=true\):\n {2}- stage prod \(lib\/stages.ts\): httpApiId prdapi0001 is a placeholder/,
    );
  });

  it('refuses colliding stages whichever stage is synthesized', () => {
    expect(() => settingsForSynth({ stage: 'qa' }, { qa, uat })).toThrow(
      /cannot all be deployed:\n {2}- stages qa and uat share account/,
    );
  });

  it('is what the CDK app runs: a deploy-bound synth of a stage with stand-ins fails naming the setting', () => {
    const run = spawnSync(
      process.execPath,
      [join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), 'bin/integrations.ts'],
      {
        cwd: ROOT,
        encoding: 'utf8',
        env: {
          ...process.env,
          CDK_CONTEXT_JSON: JSON.stringify({ stage: 'staging', deploy: 'true', skipBundling: 'true' }),
          CDK_OUTDIR: join(ROOT, 'cdk.out', 'stage-rules-test'),
        },
        timeout: 60_000,
      },
    );
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/stage staging is not ready to deploy/);
    expect(run.stderr).toMatch(/httpApiId stgapi0001 is a placeholder/);
    expect(run.stderr).toMatch(/authorizerId c0vpx0 is the audit's \(dev\) authorizer/);
  }, 60_000);
});

describe('accountProblem', () => {
  const staging = loadSettings('staging');
  const devSettings = loadSettings('dev');

  it("lets a stage's own account through and names both accounts otherwise", () => {
    expect(accountProblem(staging, '111111111111')).toBeUndefined();
    expect(accountProblem(staging, '999999999999')).toMatch(
      /credentials are for account 999999999999, but stage staging lives in account 111111111111/,
    );
  });

  it("keeps a sandbox stage out of every other stage's account", () => {
    expect(accountProblem(devSettings, '999999999999')).toBeUndefined();
    expect(accountProblem(devSettings, '222222222222')).toMatch(
      /account 222222222222, which belongs to stage prod/,
    );
  });
});
