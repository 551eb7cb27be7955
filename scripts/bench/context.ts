// What every measurement of the benchmark gets: the local world, the bundles, the runtimes, the sample counts.
import type { LocalEnv } from './local-env';
import type { NodeRuntime } from './node-runtime';
import type { PROBES } from './bundles';

export interface Runs {
  cold: number;
  warmup: number;
  warm: number;
  loadFlows: number;
  loadConcurrency: number;
}

export interface Bench {
  local: LocalEnv;
  /** Handler name -> bundle file, built with the stack's esbuild settings. */
  bundles: Record<string, string>;
  probes: Record<(typeof PROBES)[number], string>;
  /** The emulated container (scripts/bench/worker.ts) and the cold-start child (cold-child.ts), bundled. */
  worker: string;
  coldChild: string;
  /** The runtime the stack deploys (Node 24): every measurement runs on it. */
  node: NodeRuntime;
  /** The machine's Node, for comparison columns only. */
  compare: NodeRuntime;
  runs: Runs;
  /** `--profile`: V8 CPU profiles go here. */
  profileDir?: string;
}

/** Node flags that write a CPU profile named `name` into the bench's profile folder. */
export const cpuProfile = (bench: Bench, name: string): string[] =>
  bench.profileDir
    ? ['--cpu-prof', '--cpu-prof-dir', bench.profileDir, '--cpu-prof-name', `${name}.cpuprofile`]
    : [];
