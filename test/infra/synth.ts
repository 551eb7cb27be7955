// Synthesizes a stage's stack for the infra tests: the app's feature flags (cdk.json), bundling skipped.
import { generateKeyPairSync } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { loadSettings } from '../../lib/config';
import type { StageSettings } from '../../lib/config';
import { IntegrationsStack } from '../../lib/integrations-stack';
import { STAGES } from '../../lib/stages';

const cdkJson = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'cdk.json'), 'utf8')) as {
  context: Record<string, unknown>;
};

/**
 * Fixed test stages, written out rather than copied from lib/stages.ts, so a change to a shipped stage's values
 * breaks no infra test and no snapshot: `fixed` has every reservation and no account (env-agnostic ARNs),
 * `test` adds an account, a token-access caller, a HighLevel key and other sizes, `fixed-imports` imports its secrets.
 */
const FIXED = {
  sandbox: true,
  region: 'us-west-2',
  apiUrl: 'https://api.fixed.example.test',
  appUrl: 'https://app.fixed.example.test',
  httpApiId: 'fixedapi01',
  authorizerId: 'fxauth',
  eventBusName: 'listbackup-fixed-events',
  tablePrefix: 'listbackup-fixed',
  secretPrefix: 'app/oauth',
  importClientSecrets: false,
  tokenAccessCallerRoleArns: [],
  refreshIntervalMinutes: 10,
  logRetentionDays: 14,
  stripeMode: 'test',
  reservedConcurrency: { publicRoute: 20, refresher: 1 },
};

export const TEST_STAGES: Readonly<Record<string, unknown>> = {
  ...STAGES,
  fixed: FIXED,
  'fixed-imports': { ...FIXED, importClientSecrets: true, tablePrefix: 'listbackup-fixed-imports' },
  test: {
    ...FIXED,
    account: '123456789012',
    tablePrefix: 'listbackup-test',
    eventBusName: 'listbackup-test-events',
    tokenAccessCallerRoleArns: ['arn:aws:iam::123456789012:role/jobs-runner'],
    // A test key set through the setting (the shipped stages carry HighLevel's published key).
    highLevelWebhookPublicKey: generateKeyPairSync('ed25519')
      .publicKey.export({ type: 'spki', format: 'pem' })
      .toString(),
    reservedConcurrency: { publicRoute: 7, refresher: 1 },
    refreshIntervalMinutes: 15,
  },
  /** The fixed stage on the other vault backend. */
  'fixed-secrets': {
    ...FIXED,
    tablePrefix: 'listbackup-fixed-secrets',
    eventBusName: 'listbackup-fixed-secrets-events',
    tokenVault: 'secrets-manager',
  },
};

export interface Synthesized {
  app: App;
  stack: IntegrationsStack;
  settings: StageSettings;
  template: Template;
}

/** A fresh app with the stage's stack, exactly as bin/integrations.ts builds it minus bundling. */
export function buildStage(
  stage: string,
  stages: Readonly<Record<string, unknown>> = TEST_STAGES,
): Omit<Synthesized, 'template'> {
  const settings = loadSettings(stage, stages);
  // The built-in CloudFormation validation (a WASM engine: 7 to 40 s to start per test file) is left to
  // `cdk synth`, which runs it on every synth.
  const app = new App({
    context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [] },
    builtinCloudFormationValidation: false,
  });
  const stack = new IntegrationsStack(app, `listbackup-integrations-${stage}`, {
    env: { account: settings.account, region: settings.region },
    settings,
  });
  return { app, stack, settings };
}

const cache = new Map<string, Synthesized>();

/** The synthesized template of a stage (cached per test file). */
export function synthStage(stage: string): Synthesized {
  let hit = cache.get(stage);
  if (!hit) {
    const built = buildStage(stage);
    hit = { ...built, template: Template.fromStack(built.stack) };
    cache.set(stage, hit);
  }
  return hit;
}

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown>; [k: string]: unknown }>;

export function resources(template: Template): Resources {
  return template.toJSON().Resources as Resources;
}

/** Logical id of the Lambda function of a handler (by its description's handler entry). */
export function functionId(template: Template, handler: string): string {
  const found = Object.entries(resources(template)).filter(
    ([id, r]) => r.Type === 'AWS::Lambda::Function' && id.startsWith(`Handlers${pascal(handler)}`),
  );
  if (found.length !== 1) throw new Error(`expected one function for ${handler}, found ${found.length}`);
  return found[0][0];
}

export function pascal(handler: string): string {
  return handler
    .split('-')
    .map((p) => (p === 'oauth' ? 'OAuth' : p[0].toUpperCase() + p.slice(1)))
    .join('');
}

/**
 * Renders an IAM resource of the template readably: a table by its name (`table:<name>`), a secret by its
 * name (`secret:<name>`), a log group as `logs:<logicalId>`, joins with `${Ref}` for pseudo parameters.
 */
export function renderResource(template: Template, resource: unknown): string {
  const res = resources(template);
  if (typeof resource === 'string') return resource;
  const r = resource as Record<string, unknown>;
  if ('Ref' in r) {
    const target = res[r.Ref as string];
    if (!target) return `\${${String(r.Ref)}}`;
    if (target.Type === 'AWS::SecretsManager::Secret') return `secret:${String(target.Properties?.Name)}`;
    return `ref:${String(r.Ref)}`;
  }
  if ('Fn::GetAtt' in r) {
    const [id, attr] = r['Fn::GetAtt'] as [string, string];
    const target = res[id];
    if (target?.Type === 'AWS::DynamoDB::Table' && attr === 'Arn')
      return `table:${String(target.Properties?.TableName)}`;
    if (target?.Type === 'AWS::Logs::LogGroup' && attr === 'Arn') return `logs:${id}`;
    return `getatt:${id}.${attr}`;
  }
  if ('Fn::Join' in r) {
    const [sep, parts] = r['Fn::Join'] as [string, unknown[]];
    return parts.map((p) => renderResource(template, p)).join(sep);
  }
  return JSON.stringify(resource);
}

export interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}

/** Every statement of the policies attached to a function's role. */
export function roleStatements(template: Template, handler: string): Statement[] {
  const res = resources(template);
  const fn = res[functionId(template, handler)];
  const roleId = ((fn.Properties?.Role as Record<string, unknown>)['Fn::GetAtt'] as string[])[0];
  const role = res[roleId];
  expect(role.Properties?.ManagedPolicyArns).toBeUndefined();
  expect(role.Properties?.Policies).toBeUndefined();
  return Object.values(res)
    .filter((r) => r.Type === 'AWS::IAM::Policy')
    .filter((r) => (r.Properties?.Roles as { Ref: string }[]).some((ref) => ref.Ref === roleId))
    .flatMap((r) => (r.Properties?.PolicyDocument as { Statement: Statement[] }).Statement);
}

export function asArray<T>(value: T | T[]): T[] {
  return Array.isArray(value) ? value : [value];
}

/** A role's permissions as sorted `action resource` pairs, independent of how statements were merged. */
export function permissions(template: Template, handler: string): string[] {
  return roleStatements(template, handler)
    .flatMap((s) => {
      expect(s.Effect).toBe('Allow');
      return asArray(s.Action).flatMap((a) =>
        asArray(s.Resource).map((r) => `${a} ${renderResource(template, r)}`),
      );
    })
    .sort();
}

/** Masks the asset hashes (64 hex characters), which differ between checkouts even with bundling skipped. */
export function maskAssetHashes<T>(value: T): T {
  return JSON.parse(JSON.stringify(value).replace(/[0-9a-f]{64}/g, '<asset-hash>')) as T;
}
