// Bundles the handlers with the stack's esbuild settings (lib/bundling.ts) for the local run; reuses fresh bundles.
import { build } from 'esbuild';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { esbuildOptions, handlerEntry } from '../../lib/bundling';
import { HANDLER_NAMES, type HandlerName } from '../../lib/handler-specs';

const ROOT = resolve(__dirname, '..', '..');

export interface Bundle {
  name: HandlerName;
  /** Absolute path of the ESM bundle (`<name>.mjs`). */
  file: string;
  /** Built now (false: an up-to-date bundle was reused). */
  built: boolean;
}

/** A bundle is fresh when every input esbuild read for it is older than the bundle. */
function fresh(file: string, inputsFile: string): boolean {
  if (!existsSync(file) || !existsSync(inputsFile)) return false;
  const builtAt = statSync(file).mtimeMs;
  const inputs = JSON.parse(readFileSync(inputsFile, 'utf8')) as string[];
  return inputs.every(
    (input) => existsSync(join(ROOT, input)) && statSync(join(ROOT, input)).mtimeMs <= builtAt,
  );
}

/**
 * Builds every handler whose entry file exists into `outDir` (same options as the deployed functions).
 * @example const bundles = await bundleHandlers('.local/build')
 */
export async function bundleHandlers(outDir: string): Promise<Bundle[]> {
  mkdirSync(outDir, { recursive: true });
  const names = HANDLER_NAMES.filter((name) => existsSync(handlerEntry(name)));
  return Promise.all(
    names.map(async (name) => {
      const file = resolve(outDir, `${name}.mjs`);
      const inputsFile = resolve(outDir, `${name}.inputs.json`);
      if (fresh(file, inputsFile)) return { name, file, built: false };
      const result = await build({ ...esbuildOptions(handlerEntry(name), file), absWorkingDir: ROOT });
      const inputs = Object.keys(result.metafile?.inputs ?? {}).filter((input) => !input.startsWith('<'));
      writeFileSync(inputsFile, JSON.stringify(inputs));
      return { name, file, built: true };
    }),
  );
}
