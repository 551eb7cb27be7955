// The stages that ship in the repository. Values here are not secrets; validated by lib/config.ts and lib/stage-rules.ts.

/**
 * Values shipped as stand-ins for ids only the core service's deployment knows: a deploy-bound synth
 * (`npm run deploy`) refuses a stage that still carries one (lib/stage-rules.ts); plain `synth` accepts them.
 */
export const PLACEHOLDERS = {
  httpApiId: ['devapi0001', 'stgapi0001', 'prdapi0001'],
  account: ['111111111111', '222222222222'],
} as const;

/** The authorizer id the audit names (the dev API's): fine on a sandbox stage, a mistake anywhere else. */
export const AUDIT_AUTHORIZER_ID = 'c0vpx0';

export const STAGES: Readonly<Record<string, unknown>> = {
  dev: {
    region: 'us-west-2',
    apiUrl: 'https://api.dev.listbackup.ai',
    appUrl: 'https://app.dev.listbackup.ai',
    sandbox: true,
    httpApiId: 'devapi0001',
    authorizerId: 'c0vpx0',
    eventBusName: 'listbackup-dev-events',
    tablePrefix: 'listbackup-dev',
    secretPrefix: 'app/oauth',
    importClientSecrets: false,
    tokenAccessCallerRoleArns: [],
    refreshIntervalMinutes: 10,
    logRetentionDays: 14,
    stripeMode: 'test',
  },
  staging: {
    account: '111111111111',
    region: 'us-west-2',
    apiUrl: 'https://api.staging.listbackup.ai',
    appUrl: 'https://app.staging.listbackup.ai',
    httpApiId: 'stgapi0001',
    authorizerId: 'c0vpx0',
    eventBusName: 'listbackup-staging-events',
    tablePrefix: 'listbackup-staging',
    secretPrefix: 'app/oauth',
    importClientSecrets: false,
    tokenAccessCallerRoleArns: [],
    refreshIntervalMinutes: 10,
    logRetentionDays: 30,
    stripeMode: 'test',
  },
  prod: {
    account: '222222222222',
    region: 'us-west-2',
    apiUrl: 'https://api.listbackup.ai',
    appUrl: 'https://app.listbackup.ai',
    httpApiId: 'prdapi0001',
    authorizerId: 'c0vpx0',
    eventBusName: 'listbackup-prod-events',
    tablePrefix: 'listbackup-prod',
    secretPrefix: 'app/oauth',
    importClientSecrets: true,
    tokenAccessCallerRoleArns: [],
    refreshIntervalMinutes: 10,
    logRetentionDays: 90,
    stripeMode: 'live',
  },
};
