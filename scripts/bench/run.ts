// `npm run bench [-- --quick] [-- --write] [-- --profile] [-- --vault]`: bundle sizes, cold starts on the stack's Node 24, AWS
// calls per flow, warm latency and CPU, a local load run and the cost per flow, printed as markdown. Every child
// process it starts is stopped. One module a measurement (measure-*.ts); this file only composes them.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { buildBundles, buildProbes, buildTool } from './bundles';
import { stopAllChildren } from './containers';
import type { Bench } from './context';
import { startLocalEnv, type LocalEnv } from './local-env';
import { reportBundles } from './measure-bundles';
import { awsCalls } from './measure-calls';
import { coldStarts } from './measure-cold';
import { costs } from './measure-cost';
import { measureVaults } from './measure-vault';
import { loadRun } from './measure-load';
import { warmProfiles, warmRuns } from './measure-warm';
import { lambdaNode, machineNode } from './node-runtime';
import { machine, print, progress, writeDoc } from './report';
import { ms } from './stats';

const args = new Set(process.argv.slice(2));
const QUICK = args.has('--quick');
const ROOT = path.join(__dirname, '..', '..');

const commit = () => {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
};

async function main(): Promise<void> {
  const t0 = performance.now();
  const dir = mkdtempSync(path.join(tmpdir(), 'lb-bench-'));
  let local: LocalEnv | undefined;
  const cleanup = async () => {
    stopAllChildren();
    await local?.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  const interrupted = () => {
    void cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    const node = lambdaNode();
    progress(`handlers run on Node ${node.version} (${node.bin}); comparison rows on ${process.version}`);
    progress('bundling');
    const reports = await buildBundles(path.join(dir, 'bundles'));
    const worker = path.join(dir, 'tools', 'worker.mjs');
    const coldChild = path.join(dir, 'tools', 'cold-child.mjs');
    await buildTool(path.join(__dirname, 'worker.ts'), worker);
    await buildTool(path.join(__dirname, 'cold-child.ts'), coldChild);
    progress('starting DynamoDB Local, the AWS stand-ins and the token endpoint');
    local = await startLocalEnv(path.join(dir, 'aws'));
    const bench: Bench = {
      local,
      bundles: Object.fromEntries(reports.map((r) => [r.handler, r.file])),
      probes: await buildProbes(path.join(dir, 'probes')),
      worker,
      coldChild,
      node,
      compare: machineNode(),
      runs: {
        cold: QUICK ? 10 : 12,
        warmup: QUICK ? 50 : 200,
        warm: QUICK ? 500 : 2000,
        loadFlows: 500,
        loadConcurrency: 50,
      },
      profileDir: args.has('--profile') ? path.join(ROOT, '.bench-profiles') : undefined,
    };

    if (args.has('--vault')) {
      // Only the vault's calls and costs (a quick run while working on lambda/store/vault*.ts).
      await measureVaults(local);
      return;
    }
    print(
      `Machine: ${machine()}. Handlers on Node ${node.version} (the stack's runtime), comparison rows on ` +
        `${process.version}. Commit ${commit()} (plus working tree). Command: \`npm run bench${QUICK ? ' -- --quick' : ''}\`.`,
    );
    print();
    reportBundles(reports);
    await coldStarts(bench);
    progress('counting AWS calls');
    const uses = await awsCalls(bench);
    const warm = await warmRuns(bench);
    if (bench.profileDir) await warmProfiles(bench);
    await loadRun(bench);
    costs(uses, warm);
    progress('measuring the token vault backends');
    await measureVaults(local);
    print(
      `Benchmark run time: ${ms(performance.now() - t0, 0)}; load average ${loadavg()[0].toFixed(1)} at the end.`,
    );
    if (args.has('--write')) await writeDoc();
  } finally {
    await cleanup();
  }
}

main().catch((error: Error) => {
  console.error(`bench failed: ${error.stack ?? error.message}`);
  process.exitCode = 1;
});
