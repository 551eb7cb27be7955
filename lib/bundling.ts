// esbuild settings of the handler bundles: one source of truth for the NodejsFunction construct and the bundle test.
import * as path from 'node:path';
import type { BuildOptions } from 'esbuild';
import { OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';

/** Folder of the handler entry files: `lambda/handlers/<name>.ts`. */
export const HANDLERS_DIR = path.join(__dirname, '..', 'lambda', 'handlers');

/** Entry file of a handler. */
export function handlerEntry(name: string): string {
  return path.join(HANDLERS_DIR, `${name}.ts`);
}

/**
 * Language level of the bundles. Node 22 syntax runs on the nodejs24.x runtime and on the Node 22+ machines
 * that load the bundles in tests, so one target serves both.
 */
export const BUNDLE_TARGET = 'node22';

/** ESM bundles that pull CommonJS dependencies (parts of the SDK, Powertools) need a `require`. */
export const BUNDLE_BANNER =
  "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);";

/**
 * ESM builds of the SDK first: tree-shaken, about a third smaller than the CommonJS ones (337 KB against
 * 544 KB for a handler with the DynamoDB and Secrets Manager clients).
 */
export const BUNDLE_MAIN_FIELDS = ['module', 'main'];

/**
 * Nothing external: the SDK is bundled so the code runs against the versions pinned in the lock file,
 * and a minified bundle imports faster than the runtime's copy of the SDK read from disk.
 */
export const BUNDLE_EXTERNALS: string[] = [];

/**
 * Modules swapped at bundle time. The SDK's default credential chain gives way to the environment and container
 * sources a Lambda function can have (lambda/store/aws-credentials.ts): it drops the SSO, INI, process, web
 * identity and IMDS providers and their STS/SSO clients: a third of every bundle, a sixth of its import time.
 */
export const BUNDLE_ALIASES: Record<string, string> = {
  '@aws-sdk/credential-provider-node': path.join(__dirname, '..', 'lambda', 'store', 'aws-credentials.ts'),
};

/** Bundling options of every handler function. */
export function nodejsBundling(): BundlingOptions {
  return {
    format: OutputFormat.ESM,
    minify: true,
    sourceMap: true,
    sourcesContent: false,
    target: BUNDLE_TARGET,
    mainFields: BUNDLE_MAIN_FIELDS,
    externalModules: BUNDLE_EXTERNALS,
    banner: BUNDLE_BANNER,
    esbuildArgs: {
      '--alias': Object.entries(BUNDLE_ALIASES).map(([from, to]) => `${from}=${to}`),
    },
  };
}

/**
 * The same bundle through the esbuild API (what NodejsFunction runs), for tests and measurements.
 * @example await esbuild.build(esbuildOptions(handlerEntry('oauth-start'), '/tmp/out/oauth-start.mjs'))
 */
export function esbuildOptions(entry: string, outfile: string): BuildOptions {
  return {
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    minify: true,
    sourcemap: true,
    sourcesContent: false,
    target: BUNDLE_TARGET,
    mainFields: BUNDLE_MAIN_FIELDS,
    external: BUNDLE_EXTERNALS,
    banner: { js: BUNDLE_BANNER },
    alias: BUNDLE_ALIASES,
    metafile: true,
    logLevel: 'silent',
  };
}
