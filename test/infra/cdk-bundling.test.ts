// The bundle NodejsFunction builds at `cdk synth` (esbuild's command line, not its API): same swaps, same output.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { handlerEntry, nodejsBundling } from '../../lib/bundling';

let outdir: string;
beforeAll(() => {
  outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-bundling-'));
});
afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

it('bundles a handler at synth with the credential chain swapped and no SDK default chain inside', () => {
  const app = new App({ outdir });
  const stack = new Stack(app, 'Bundling');
  new NodejsFunction(stack, 'Start', {
    entry: handlerEntry('oauth-start'),
    runtime: Runtime.NODEJS_24_X,
    bundling: nodejsBundling(),
  });
  const assembly = app.synth();
  const assetDirs = fs
    .readdirSync(assembly.directory)
    .filter((d) => d.startsWith('asset.'))
    .map((d) => path.join(assembly.directory, d));
  expect(assetDirs).toHaveLength(1);
  const code = fs.readFileSync(path.join(assetDirs[0], 'index.mjs'), 'utf8');
  // lambda/store/aws-credentials.ts is inside; the default chain's SSO/INI/IMDS providers are not.
  expect(code).toContain('Lambda sets them from the execution role');
  expect(code).not.toContain('defaultProvider::fromSSO');
  expect(code).not.toContain('defaultProvider::fromIni');
  expect(Buffer.byteLength(code)).toBeLessThan(300_000);
}, 60_000);
