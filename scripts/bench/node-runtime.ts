// The Node.js the benchmark runs handlers on: the stack's runtime (Node 24), installed on demand into a cache folder.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';

/** The major version of the stack's Lambda runtime (lib/handler-function.ts: NODEJS_24_X). */
export const LAMBDA_NODE_MAJOR = 24;

export interface NodeRuntime {
  /** Path of the `node` binary. */
  bin: string;
  /** `v24.22.3` and the like, as the binary reports it. */
  version: string;
}

const CACHE = path.join(__dirname, '..', '..', '.cache', `node${LAMBDA_NODE_MAJOR}`);

const versionOf = (bin: string) => execFileSync(bin, ['--version'], { encoding: 'utf8' }).trim();

/** The machine's own Node (what runs this script), kept for a comparison column. */
export function machineNode(): NodeRuntime {
  return { bin: process.execPath, version: process.version };
}

/**
 * Node 24 for the measurements: `BENCH_NODE` when set (any binary), else the npm registry's binary package
 * `node-<platform>-<arch>@24` installed into `.cache/node24` (never a dependency of the project, so `npm ci` stays
 * portable). Only linux-x64 and linux-arm64 have Node 24 packages there; elsewhere set BENCH_NODE.
 */
export function lambdaNode(): NodeRuntime {
  const override = process.env.BENCH_NODE;
  if (override) return { bin: override, version: versionOf(override) };
  const pkg = `node-${process.platform}-${process.arch}`;
  const bin = path.join(CACHE, 'node_modules', pkg, 'bin', 'node');
  if (!existsSync(bin)) {
    if (process.platform !== 'linux')
      throw new Error(
        `no Node ${LAMBDA_NODE_MAJOR} package for ${process.platform}-${process.arch} on the npm registry: ` +
          `set BENCH_NODE to a Node ${LAMBDA_NODE_MAJOR} binary (e.g. from nodejs.org)`,
      );
    process.stderr.write(`bench: installing ${pkg}@${LAMBDA_NODE_MAJOR} into ${CACHE}\n`);
    execFileSync(
      'npm',
      [
        'install',
        '--prefix',
        CACHE,
        '--no-save',
        '--no-package-lock',
        '--no-audit',
        '--no-fund',
        `${pkg}@${LAMBDA_NODE_MAJOR}`,
      ],
      { stdio: ['ignore', 'ignore', 'inherit'] },
    );
  }
  const version = versionOf(bin);
  if (!version.startsWith(`v${LAMBDA_NODE_MAJOR}.`))
    throw new Error(`${bin} reports ${version}, expected Node ${LAMBDA_NODE_MAJOR}`);
  return { bin, version };
}
