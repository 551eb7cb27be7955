// Builds every handler with the stack's esbuild settings (lib/bundling.ts) and reads the metafile.
import * as esbuild from 'esbuild';
import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import { HANDLERS_DIR, esbuildOptions, handlerEntry } from '../../lib/bundling';
import { contributorsByPackage, type Contributor } from './metafile';

export interface BundleReport {
  handler: string;
  file: string;
  bytes: number;
  contributors: Contributor[];
}

/** Names of the handlers: every `lambda/handlers/*.ts`. */
export function handlerNames(): string[] {
  return readdirSync(HANDLERS_DIR)
    .filter((f) => f.endsWith('.ts'))
    .map((f) => f.replace(/\.ts$/, ''))
    .sort();
}

/** Bundles each handler into `outDir/<name>.mjs` exactly as the stack does. */
export async function buildBundles(outDir: string): Promise<BundleReport[]> {
  const reports: BundleReport[] = [];
  for (const handler of handlerNames()) {
    const file = path.join(outDir, `${handler}.mjs`);
    const result = await esbuild.build(esbuildOptions(handlerEntry(handler), file));
    const output = Object.entries(result.metafile?.outputs ?? {}).find(([name]) => name.endsWith('.mjs'));
    if (!output) throw new Error(`esbuild wrote no .mjs for ${handler}`);
    reports.push({
      handler,
      file,
      bytes: output[1].bytes,
      contributors: contributorsByPackage(output[1].inputs),
    });
  }
  return reports;
}

/** A small tool of the benchmark (worker, cold-start child) as one ESM file for plain `node`. */
export async function buildTool(entry: string, outfile: string): Promise<void> {
  await esbuild.build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'silent',
  });
}

/** Probes: the trivial-handler baseline and the floor the SDK and Powertools set on a cold start (scripts/bench/probes). */
export const PROBES = ['trivial', 'dynamodb-client', 'start-dependencies'] as const;

/** Bundles each probe with the stack's esbuild settings into `outDir/probe-<name>.mjs`. */
export async function buildProbes(outDir: string): Promise<Record<(typeof PROBES)[number], string>> {
  const files = {} as Record<(typeof PROBES)[number], string>;
  for (const probe of PROBES) {
    const file = path.join(outDir, `probe-${probe}.mjs`);
    await esbuild.build(esbuildOptions(path.join(__dirname, 'probes', `${probe}.ts`), file));
    files[probe] = file;
  }
  return files;
}
