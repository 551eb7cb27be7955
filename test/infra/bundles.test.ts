// The real bundles: every handler under lambda/handlers builds with the stack's esbuild settings and loads in Node.
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import { builtinModules } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import * as esbuild from 'esbuild';
import { HANDLERS_DIR, esbuildOptions } from '../../lib/bundling';
import { loadSettings } from '../../lib/config';
import { handlerEnvironment } from '../../lib/handler-environment';
import { HANDLERS, type HandlerName } from '../../lib/handler-specs';

const run = promisify(execFile);

/** Packages of the SDK default credential chain that a Lambda function never runs (SSO, profiles, STS, IMDS). */
const LAMBDA_UNUSED_CREDENTIAL_SOURCES =
  /node_modules\/@aws-sdk\/(credential-provider-(node|ini|sso|process|web-identity|login)|nested-clients|token-providers)\/|node_modules\/@smithy\/credential-provider-imds\//;

// Whatever handlers exist now (they are being written alongside the stack).
const entries = fs
  .readdirSync(HANDLERS_DIR)
  .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && !f.endsWith('.test.ts'))
  .map((f) => f.slice(0, -3))
  .sort();

let outdir: string;
beforeAll(() => {
  outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'handler-bundles-'));
});
afterAll(() => {
  fs.rmSync(outdir, { recursive: true, force: true });
});

it('finds handler entry files', () => {
  expect(entries.length).toBeGreaterThan(0);
});

describe.each(entries)('%s', (name) => {
  it(`${name}: bundles as minified ESM with the SDK inside, and exports a handler once loaded in a fresh Node`, async () => {
    const outfile = path.join(outdir, `${name}.mjs`);
    const result = await esbuild.build(esbuildOptions(path.join(HANDLERS_DIR, `${name}.ts`), outfile));
    expect(result.errors).toEqual([]);
    // Nothing left external but Node's built-ins: the SDK and every dependency are inside the bundle.
    const externals = Object.values(result.metafile!.outputs)
      .flatMap((o) => o.imports)
      .filter((i) => i.external && !builtinModules.includes(i.path.replace(/^node:/, '')))
      .map((i) => i.path);
    expect(externals).toEqual([]);
    expect(fs.existsSync(`${outfile}.map`)).toBe(true);
    // The SDK's default credential chain is swapped for lambda/store/aws-credentials.ts (BUNDLE_ALIASES).
    const inputs = Object.values(result.metafile!.outputs).flatMap((o) => Object.keys(o.inputs));
    expect(inputs.filter((i) => LAMBDA_UNUSED_CREDENTIAL_SOURCES.test(i))).toEqual([]);
    // A handler with no AWS access (the preflight) carries no SDK at all; every other one the swapped chain.
    const callsAws = Object.keys(HANDLERS[name as HandlerName].access).length > 0;
    expect(inputs.some((i) => i.includes('node_modules/@aws-sdk/'))).toBe(callsAws);
    expect(inputs.includes('lambda/store/aws-credentials.ts')).toBe(callsAws);

    // Load it as Lambda would: a fresh process, the stage's environment, no AWS calls at import.
    const { stdout } = await run(
      process.execPath,
      [
        '--enable-source-maps',
        '--input-type=module',
        '-e',
        `const m = await import(${JSON.stringify(pathToFileURL(outfile).href)}); console.log(typeof m.handler);`,
      ],
      {
        env: {
          PATH: process.env.PATH,
          ...handlerEnvironment(loadSettings('dev')),
          AWS_REGION: 'us-west-2',
          AWS_ACCESS_KEY_ID: 'bundle-test',
          AWS_SECRET_ACCESS_KEY: 'bundle-test',
          AWS_EC2_METADATA_DISABLED: 'true',
          POWERTOOLS_SERVICE_NAME: 'listbackup-integrations',
          LOG_LEVEL: 'INFO',
        },
        timeout: 20_000,
      },
    );
    expect(stdout.trim()).toBe('function');
  });
});
