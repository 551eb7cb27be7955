// `npm run deploy`: the approval mode (a terminal for people, --ci for pipelines), the account check, the cdk command.
import { cdkDeployArgs, main, parseDeployArgs, type DeployDeps } from '../../scripts/deploy/cli';

function deps(over: Partial<DeployDeps> = {}) {
  const ran: string[][] = [];
  let err = '';
  const d: DeployDeps = {
    stdinIsTty: true,
    callerAccount: async () => '999999999999',
    runCdk: async (args) => {
      ran.push([...args]);
      return 0;
    },
    err: (text) => {
      err += text;
    },
    ...over,
  };
  return { d, ran, err: () => err };
}

describe('parseDeployArgs', () => {
  it('takes the stage from --stage or STAGE, --ci, and cdk arguments after --', () => {
    expect(parseDeployArgs(['--stage', 'dev'], {})).toEqual({ stage: 'dev', ci: false, cdkArgs: [] });
    expect(parseDeployArgs(['--ci', '--', '--progress', 'events'], { STAGE: 'prod' })).toEqual({
      stage: 'prod',
      ci: true,
      cdkArgs: ['--progress', 'events'],
    });
  });

  it('refuses a missing stage, unknown flags and an approval mode smuggled in cdk arguments', () => {
    expect(() => parseDeployArgs([], {})).toThrow(/--stage <stage> \(or STAGE=<stage>\) is required/);
    expect(() => parseDeployArgs(['--stage', 'dev', '--yes'], {})).toThrow(/unknown argument "--yes"/);
    expect(() => parseDeployArgs(['--stage', 'dev', '--', '--require-approval', 'never'], {})).toThrow(
      /chosen by --ci/,
    );
  });
});

describe('cdkDeployArgs', () => {
  it('asks before widening for people and never in CI, always deploy-bound', () => {
    expect(cdkDeployArgs({ stage: 'dev', ci: false, cdkArgs: [] })).toEqual([
      'cdk',
      'deploy',
      'listbackup-integrations-dev',
      '-c',
      'stage=dev',
      '-c',
      'deploy=true',
      '--require-approval',
      'broadening',
    ]);
    expect(cdkDeployArgs({ stage: 'prod', ci: true, cdkArgs: ['--progress', 'events'] }).slice(-4)).toEqual([
      '--require-approval',
      'never',
      '--progress',
      'events',
    ]);
  });
});

describe('main', () => {
  it('runs cdk in the approval mode of the run and returns its exit code', async () => {
    const people = deps();
    expect(await main(['--stage', 'dev'], {}, people.d)).toBe(0);
    expect(people.ran[0]).toContain('broadening');
    const pipeline = deps({ stdinIsTty: false, runCdk: async () => 3 });
    expect(await main(['--stage', 'dev', '--ci'], {}, pipeline.d)).toBe(3);
  });

  it('refuses to wait for an approval no one can give: no terminal and no --ci', async () => {
    const run = deps({ stdinIsTty: false });
    expect(await main(['--stage', 'dev'], {}, run.d)).toBe(2);
    expect(run.err()).toMatch(/no terminal to approve IAM changes on: .* pass --ci in a pipeline/);
    expect(run.ran).toEqual([]);
  });

  it("refuses another account's credentials before cdk runs", async () => {
    const run = deps({ callerAccount: async () => '999999999999' });
    expect(await main(['--stage', 'staging'], {}, run.d)).toBe(1);
    expect(run.err()).toMatch(
      /account 999999999999, but stage staging lives in account 111111111111.*\nNothing was deployed/s,
    );
    expect(run.ran).toEqual([]);
    const sandbox = deps({ callerAccount: async () => '222222222222' });
    expect(await main(['--stage', 'dev'], {}, sandbox.d)).toBe(1);
    expect(sandbox.err()).toMatch(/which belongs to stage prod/);
  });

  it('names an unknown stage with the usage, exit 2', async () => {
    const run = deps();
    expect(await main(['--stage', 'qa'], {}, run.d)).toBe(2);
    expect(run.err()).toMatch(/unknown stage qa: expected one of dev, staging, prod\nUsage: npm run deploy/);
  });
});
