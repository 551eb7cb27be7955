// Fine-grained assertions on the synthesized stack: tables, secrets, routes, functions, IAM, permissions, environment.
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { PROVIDER_IDS } from '../../lambda/providers/registry';
import { ENV } from '../../lambda/shared/env-names';
import { HIGHLEVEL_WEBHOOK_PUBLIC_KEY } from '../../lambda/webhooks/gohighlevel';
import {
  asArray,
  functionId,
  permissions,
  renderResource,
  resources,
  roleStatements,
  synthStage,
} from './synth';

const HANDLERS = [
  'oauth-start',
  'oauth-callback',
  'oauth-complete',
  'token-access',
  'connection-refresher',
  'connection-disconnect',
  'webhooks',
  'cors-preflight',
] as const;
type Handler = (typeof HANDLERS)[number];

const SECRET_NAMES = [
  ...PROVIDER_IDS.flatMap((p) => [`app/oauth/${p}/client_id`, `app/oauth/${p}/client_secret`]),
  'app/oauth/stripe/webhook_secret',
];

describe('oauth-states table', () => {
  const { template } = synthStage('fixed');

  it('is keyed by the state, expires by TTL, on demand, encrypted, destroyed with the stack', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', 2);
    template.hasResource('AWS::DynamoDB::Table', {
      Properties: {
        TableName: 'listbackup-fixed-oauth-states',
        KeySchema: [{ AttributeName: 'state', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'state', AttributeType: 'S' }],
        TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
        BillingMode: 'PAY_PER_REQUEST',
        SSESpecification: { SSEEnabled: true },
      },
      DeletionPolicy: 'Delete',
      UpdateReplacePolicy: 'Delete',
    });
  });

  it('keeps its logical id (a change would replace the table)', () => {
    expect(Object.keys(template.findResources('AWS::DynamoDB::Table')).sort()).toEqual([
      'OAuthStatesTable4CF1BAC9',
      'TokenVaultTable8458E204',
    ]);
  });

  it('outputs its name', () => {
    template.hasOutput('OAuthStatesTableName', { Value: { Ref: 'OAuthStatesTable4CF1BAC9' } });
  });
});

/** The token vault's key (logical id TokenVaultKey…), apart from the alarm topic's own key. */
const isTokenKey = (logicalId: string) => logicalId.startsWith('TokenVaultKey');
const tokenKeys = (template: Template) =>
  Object.entries(resources(template)).filter(([id, r]) => r.Type === 'AWS::KMS::Key' && isTokenKey(id));

describe('token vault (dynamodb-kms, the default)', () => {
  const { template } = synthStage('fixed');
  const res = resources(template);
  const [keyId, key] =
    Object.entries(res).find(([id, r]) => r.Type === 'AWS::KMS::Key' && isTokenKey(id)) ?? [];
  const statements = (key?.Properties?.KeyPolicy as { Statement: Record<string, unknown>[] }).Statement;
  const roleOf = (handler: Handler) =>
    (
      (res[functionId(template, handler)].Properties?.Role as Record<string, unknown>)[
        'Fn::GetAtt'
      ] as string[]
    )[0];
  /** Key-policy statements naming a function's role, as `action purpose,purpose`. */
  const keyUse = (handler: Handler) =>
    statements
      .filter((st) => JSON.stringify(st.Principal).includes(`"${roleOf(handler)}"`))
      .map((st) => {
        const c = st.Condition as Record<string, Record<string, unknown>>;
        return `${String(st.Action)} ${asArray(c.StringEquals['kms:EncryptionContext:purpose'] as string[]).join(',')}`;
      })
      .sort();

  it('owns <tablePrefix>-oauth-tokens: key accountId/sourceId, on demand, PITR on, retained, its own lookup indexes', () => {
    template.hasResource('AWS::DynamoDB::Table', {
      Properties: {
        TableName: 'listbackup-fixed-oauth-tokens',
        KeySchema: [
          { AttributeName: 'accountId', KeyType: 'HASH' },
          { AttributeName: 'sourceId', KeyType: 'RANGE' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        DeletionProtectionEnabled: false,
        GlobalSecondaryIndexes: [
          {
            IndexName: 'byExternalAccount',
            KeySchema: [
              { AttributeName: 'externalKey', KeyType: 'HASH' },
              { AttributeName: 'sourceId', KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'KEYS_ONLY' },
          },
          {
            IndexName: 'byRefreshDue',
            KeySchema: [
              { AttributeName: 'refreshPartition', KeyType: 'HASH' },
              { AttributeName: 'refreshDueAt', KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'KEYS_ONLY' },
          },
        ],
      },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });

  it('has deletion protection in prod', () => {
    synthStage('prod').template.hasResourceProperties('AWS::DynamoDB::Table', {
      TableName: 'listbackup-prod-oauth-tokens',
      DeletionProtectionEnabled: true,
    });
  });

  it('queries no index of a table of another service', () => {
    for (const handler of HANDLERS)
      for (const p of permissions(template, handler).filter((x) => x.startsWith('dynamodb:Query ')))
        expect(p).toMatch(/^dynamodb:Query table:listbackup-fixed-oauth-tokens\/index\/by\w+$/);
  });

  it('creates one customer managed key: rotation on, retained, aliased by stage', () => {
    expect(tokenKeys(template)).toHaveLength(1);
    expect(key).toMatchObject({
      Properties: { EnableKeyRotation: true },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
    template.hasResourceProperties('AWS::KMS::Alias', {
      AliasName: 'alias/listbackup-integrations/fixed/tokens',
      TargetKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] },
    });
  });

  it('lets the account administer the key but never use it on data (IAM policies cannot grant that)', () => {
    const admin = statements.filter((st) => JSON.stringify(st.Principal).includes(':root'));
    expect(admin).toHaveLength(1);
    for (const action of asArray(admin[0].Action as string | string[])) {
      expect(action).not.toMatch(/Decrypt|Encrypt|GenerateDataKey|ReEncrypt|CreateGrant|^kms:\*$/);
    }
  });

  it('grants each token-handling function only its operations, only with the stage and envelope context', () => {
    expect(keyUse('oauth-complete')).toEqual(['kms:GenerateDataKey access,refresh']);
    expect(keyUse('token-access')).toEqual([
      'kms:Decrypt access,refresh',
      'kms:GenerateDataKey access,refresh',
    ]);
    expect(keyUse('connection-refresher')).toEqual([
      'kms:Decrypt access,refresh',
      'kms:GenerateDataKey access,refresh',
    ]);
    expect(keyUse('connection-disconnect')).toEqual(['kms:Decrypt access,refresh']);
    for (const none of ['oauth-start', 'oauth-callback', 'webhooks'] as const)
      expect(keyUse(none)).toEqual([]);
    const uses = statements.filter((st) => !JSON.stringify(st.Principal).includes(':root'));
    expect(uses).toHaveLength(6);
    for (const st of uses) {
      expect(st).toMatchObject({
        Effect: 'Allow',
        Resource: '*',
        Condition: {
          StringEquals: { 'kms:EncryptionContext:stage': 'fixed' },
          'ForAllValues:StringEquals': {
            'kms:EncryptionContextKeys': ['stage', 'accountId', 'sourceId', 'provider', 'purpose'],
          },
          Null: { 'kms:EncryptionContext:accountId': 'false', 'kms:EncryptionContext:sourceId': 'false' },
        },
      });
    }
  });

  it('hands the key ARN and the backend to the handlers, never a key value', () => {
    const env = (
      res[functionId(template, 'token-access')].Properties?.Environment as {
        Variables: Record<string, unknown>;
      }
    ).Variables;
    expect(env[ENV.tokenVault]).toBe('dynamodb-kms');
    expect(env[ENV.tokenKeyId]).toEqual({ 'Fn::GetAtt': [keyId, 'Arn'] });
    expect(env[ENV.tokenReadFallback]).toBe('false');
  });
});

describe('token vault (secrets-manager, still supported)', () => {
  const { template } = synthStage('fixed-secrets');
  const VAULT = 'arn:aws:secretsmanager:us-west-2:${AWS::AccountId}:secret:sources/*/oauth-tokens-??????';
  const vaultActions = (handler: Handler) =>
    permissions(template, handler)
      .filter((p) => p.endsWith(` ${VAULT}`))
      .map((p) => p.split(' ')[0]);

  it('synthesizes without a key, with the lookup table and the per-function secret actions', () => {
    expect(tokenKeys(template)).toEqual([]);
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      TableName: 'listbackup-fixed-secrets-oauth-tokens',
    });
    expect(vaultActions('oauth-complete')).toEqual([
      'secretsmanager:CreateSecret',
      'secretsmanager:DeleteSecret',
      'secretsmanager:PutSecretValue',
      'secretsmanager:RestoreSecret',
      'secretsmanager:TagResource',
    ]);
    expect(vaultActions('token-access')).toEqual([
      'secretsmanager:GetSecretValue',
      'secretsmanager:PutSecretValue',
    ]);
    expect(vaultActions('connection-disconnect')).toEqual([
      'secretsmanager:DeleteSecret',
      'secretsmanager:GetSecretValue',
    ]);
    expect(vaultActions('webhooks')).toEqual(['secretsmanager:DeleteSecret']);
    expect(vaultActions('oauth-callback')).toEqual([]);
  });
});

describe('client-credential secrets', () => {
  it('creates the 18 client secrets and the Stripe webhook secret with a placeholder, retained except on a failed create', () => {
    const { template } = synthStage('fixed');
    expect(SECRET_NAMES).toHaveLength(19);
    template.resourceCountIs('AWS::SecretsManager::Secret', 19);
    for (const name of SECRET_NAMES) {
      const provider = name.split('/')[2];
      template.hasResource('AWS::SecretsManager::Secret', {
        Properties: {
          Name: name,
          SecretString: `PLACEHOLDER: upload with npm run credentials -- set ${provider} --stage fixed`,
          GenerateSecretString: Match.absent(),
        },
        DeletionPolicy: 'RetainExceptOnCreate',
        UpdateReplacePolicy: 'Retain',
      });
    }
  });

  it('creates no secret when the stage imports them, and still grants read on them by name', () => {
    const { template } = synthStage('fixed-imports');
    template.resourceCountIs('AWS::SecretsManager::Secret', 0);
    const reads = permissions(template, 'oauth-start').filter((p) =>
      p.startsWith('secretsmanager:GetSecretValue '),
    );
    expect(reads).toEqual(
      SECRET_NAMES.filter((n) => !n.endsWith('webhook_secret'))
        .map(
          (n) =>
            `secretsmanager:GetSecretValue arn:aws:secretsmanager:us-west-2:\${AWS::AccountId}:secret:${n}-??????`,
        )
        .sort(),
    );
  });
});

describe('routes on the core HTTP API', () => {
  const { template } = synthStage('fixed');
  const ROUTES: Record<string, { handler: Handler; auth: 'CUSTOM' | 'NONE' }> = {
    'POST /integrations/oauth/{provider}/start': { handler: 'oauth-start', auth: 'CUSTOM' },
    'GET /integrations/oauth/callback/{provider}': { handler: 'oauth-callback', auth: 'NONE' },
    'POST /integrations/oauth/{provider}/complete': { handler: 'oauth-complete', auth: 'CUSTOM' },
    'DELETE /integrations/connections/{sourceId}': { handler: 'connection-disconnect', auth: 'CUSTOM' },
    'POST /integrations/webhooks/{provider}': { handler: 'webhooks', auth: 'NONE' },
    // The default preflight mode (own-routes): an unauthorized OPTIONS per browser route, one function.
    'OPTIONS /integrations/oauth/{provider}/start': { handler: 'cors-preflight', auth: 'NONE' },
    'OPTIONS /integrations/oauth/{provider}/complete': { handler: 'cors-preflight', auth: 'NONE' },
    'OPTIONS /integrations/connections/{sourceId}': { handler: 'cors-preflight', auth: 'NONE' },
  };

  it('adds exactly these routes to the imported API, nothing else of the API', () => {
    const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route'));
    expect(routes.map((r) => r.Properties.RouteKey).sort()).toEqual(Object.keys(ROUTES).sort());
    for (const r of routes) expect(r.Properties.ApiId).toBe('fixedapi01');
    template.resourceCountIs('AWS::ApiGatewayV2::Api', 0);
    template.resourceCountIs('AWS::ApiGatewayV2::Stage', 0);
    template.resourceCountIs('AWS::ApiGatewayV2::Authorizer', 0);
  });

  it.each(Object.entries(ROUTES))('%s: authorization and integration', (routeKey, { handler, auth }) => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: routeKey,
      AuthorizationType: auth,
      AuthorizerId: auth === 'CUSTOM' ? 'fxauth' : Match.absent(),
    });
    const integrations = template.findResources('AWS::ApiGatewayV2::Integration', {
      Properties: { IntegrationUri: { 'Fn::GetAtt': [functionId(template, handler), 'Arn'] } },
    });
    // The preflight routes share one integration.
    expect(Object.values(integrations)).toHaveLength(1);
    expect(Object.values(integrations)[0].Properties).toMatchObject({
      ApiId: 'fixedapi01',
      IntegrationType: 'AWS_PROXY',
      PayloadFormatVersion: '2.0',
    });
  });

  it('leaves the callback, the webhooks and the preflights as the only unauthenticated routes', () => {
    const open = Object.values(template.findResources('AWS::ApiGatewayV2::Route'))
      .filter((r) => r.Properties.AuthorizationType !== 'CUSTOM')
      .map((r) => r.Properties.RouteKey)
      .sort();
    expect(open).toEqual([
      'GET /integrations/oauth/callback/{provider}',
      'OPTIONS /integrations/connections/{sourceId}',
      'OPTIONS /integrations/oauth/{provider}/complete',
      'OPTIONS /integrations/oauth/{provider}/start',
      'POST /integrations/webhooks/{provider}',
    ]);
  });

  it.each(Object.entries(ROUTES))(
    '%s: the only API Gateway permission of its function is scoped to the route',
    (routeKey, { handler }) => {
      const path = routeKey.split(' ')[1];
      const perms = Object.values(template.findResources('AWS::Lambda::Permission')).filter(
        (p) => p.Properties.FunctionName['Fn::GetAtt'][0] === functionId(template, handler),
      );
      const arns = perms.map((p) => renderResource(template, p.Properties.SourceArn));
      // One permission per route of the function (the preflight function has one per OPTIONS route).
      expect(perms).toHaveLength(Object.values(ROUTES).filter((r) => r.handler === handler).length);
      for (const p of perms) expect(p.Properties.Principal).toBe('apigateway.amazonaws.com');
      expect(arns).toContain(`arn:aws:execute-api:us-west-2:\${AWS::AccountId}:fixedapi01/*/*${path}`);
    },
  );

  it('outputs each route URL', () => {
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    const urls = Object.values(outputs)
      .map((o) => o.Value)
      .filter((v): v is string => typeof v === 'string');
    expect(urls.sort()).toEqual(
      Object.keys(ROUTES)
        .filter((k) => !k.startsWith('OPTIONS '))
        .map((k) => `https://api.fixed.example.test${k.split(' ')[1]}`)
        .sort(),
    );
  });
});

describe('functions', () => {
  const { template } = synthStage('fixed');
  const SIZES: Record<Handler, { memory: number; timeout: number; reserved?: number }> = {
    'oauth-start': { memory: 256, timeout: 10 },
    'oauth-callback': { memory: 512, timeout: 30, reserved: 20 },
    'oauth-complete': { memory: 256, timeout: 30 },
    'token-access': { memory: 256, timeout: 86 },
    'connection-refresher': { memory: 512, timeout: 300, reserved: 1 },
    'connection-disconnect': { memory: 256, timeout: 15 },
    webhooks: { memory: 256, timeout: 10, reserved: 20 },
    'cors-preflight': { memory: 128, timeout: 3 },
  };

  it('has exactly the eight handlers', () => {
    template.resourceCountIs('AWS::Lambda::Function', HANDLERS.length);
  });

  it.each(HANDLERS)('%s: runtime, architecture, memory, timeout, concurrency, logs', (handler) => {
    const fn = resources(template)[functionId(template, handler)].Properties!;
    const size = SIZES[handler];
    expect(fn).toMatchObject({
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      MemorySize: size.memory,
      Timeout: size.timeout,
      LoggingConfig: { LogFormat: 'JSON', ApplicationLogLevel: 'INFO' },
    });
    expect(fn.ReservedConcurrentExecutions).toBe(size.reserved);
    // Its own log group, with the stage's retention.
    const logGroupId = (fn.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;
    expect(resources(template)[logGroupId]).toMatchObject({
      Type: 'AWS::Logs::LogGroup',
      Properties: { RetentionInDays: 14 },
    });
  });

  it('reserves no concurrency on a stage that sets none (what a fresh account allows)', () => {
    const { template: bare } = synthStage('dev');
    for (const handler of HANDLERS) {
      expect(
        resources(bare)[functionId(bare, handler)].Properties!.ReservedConcurrentExecutions,
      ).toBeUndefined();
    }
  });

  it('keeps every log group on update and delete, but not when the first create rolls back', () => {
    const groups = Object.values(template.findResources('AWS::Logs::LogGroup'));
    expect(groups).toHaveLength(HANDLERS.length);
    for (const group of groups) {
      expect(group).toMatchObject({ DeletionPolicy: 'RetainExceptOnCreate', UpdateReplacePolicy: 'Retain' });
    }
  });

  it('takes the public routes’ reserved concurrency from the stage settings', () => {
    const { template: test } = synthStage('test');
    for (const handler of ['oauth-callback', 'webhooks']) {
      expect(resources(test)[functionId(test, handler)].Properties!.ReservedConcurrentExecutions).toBe(7);
    }
  });

  it('runs the refresher on the stage’s schedule, without retries', () => {
    for (const [stage, minutes] of [
      ['fixed', 10],
      ['test', 15],
    ] as const) {
      const { template: t } = synthStage(stage);
      t.resourceCountIs('AWS::Events::Rule', 1);
      t.hasResourceProperties('AWS::Events::Rule', {
        ScheduleExpression: `rate(${minutes} minutes)`,
        State: 'ENABLED',
        Targets: [
          {
            Arn: { 'Fn::GetAtt': [functionId(t, 'connection-refresher'), 'Arn'] },
            RetryPolicy: { MaximumRetryAttempts: 0 },
          },
        ],
      });
    }
    const perms = Object.values(template.findResources('AWS::Lambda::Permission')).filter(
      (p) => p.Properties.FunctionName['Fn::GetAtt'][0] === functionId(template, 'connection-refresher'),
    );
    expect(perms).toHaveLength(1);
    expect(perms[0].Properties).toMatchObject({
      Principal: 'events.amazonaws.com',
      SourceArn: { 'Fn::GetAtt': [expect.stringMatching(/^RefreshScheduleRule/), 'Arn'] },
    });
  });
});

describe('token-access invocation', () => {
  function invokePermissions(stage: string) {
    const { template } = synthStage(stage);
    const id = functionId(template, 'token-access');
    return Object.values(template.findResources('AWS::Lambda::Permission'))
      .filter((p) => JSON.stringify(p.Properties.FunctionName).includes(id))
      .map((p) => p.Properties);
  }

  it('lets only the configured caller roles invoke it', () => {
    expect(invokePermissions('test')).toEqual([
      {
        Action: 'lambda:InvokeFunction',
        FunctionName: { 'Fn::GetAtt': [expect.stringMatching(/^HandlersTokenAccess/), 'Arn'] },
        Principal: 'arn:aws:iam::123456789012:role/jobs-runner',
      },
    ]);
  });

  it('has no invoke permission when no caller is configured, and no route', () => {
    expect(invokePermissions('fixed')).toEqual([]);
  });

  it('outputs its ARN and publishes it in an SSM parameter named by the stage', () => {
    const { template } = synthStage('fixed');
    const arn = { 'Fn::GetAtt': [functionId(template, 'token-access'), 'Arn'] };
    template.hasOutput('TokenAccessFunctionArn', { Value: arn });
    template.resourceCountIs('AWS::SSM::Parameter', 1);
    template.hasResourceProperties('AWS::SSM::Parameter', {
      Name: '/listbackup/fixed/integrations/token-access-function-arn',
      Type: 'String',
      Value: arn,
    });
  });
});

describe('environment', () => {
  it.each(HANDLERS)('%s: names, prefixes and URLs of the stage, never a secret value', (handler) => {
    const { template } = synthStage('fixed');
    const env = (
      resources(template)[functionId(template, handler)].Properties!.Environment as {
        Variables: Record<string, string>;
      }
    ).Variables;
    expect(env).toEqual({
      [ENV.stage]: 'fixed',
      [ENV.tablePrefix]: 'listbackup-fixed',
      [ENV.eventBusName]: 'listbackup-fixed-events',
      [ENV.apiUrl]: 'https://api.fixed.example.test',
      [ENV.appUrl]: 'https://app.fixed.example.test',
      [ENV.secretPrefix]: 'app/oauth',
      [ENV.endpointOverrides]: '{}',
      [ENV.credentialsMaxAge]: '300',
      [ENV.webhookPublicKeys]: JSON.stringify({ gohighlevel: HIGHLEVEL_WEBHOOK_PUBLIC_KEY }),
      [ENV.stripeMode]: 'test',
      [ENV.forcedRefreshMinutes]: '5',
      [ENV.longThrottleMinutes]: '15',
      [ENV.allowedOrigins]: '["https://app.fixed.example.test"]',
      [ENV.tokenVault]: 'dynamodb-kms',
      // The stage key's ARN (a name, not key material).
      [ENV.tokenKeyId]: { 'Fn::GetAtt': [expect.stringMatching(/^TokenVaultKey/), 'Arn'] },
      [ENV.tokenReadFallback]: 'false',
      POWERTOOLS_SERVICE_NAME: 'listbackup-integrations',
      LOG_LEVEL: 'INFO',
    });
    delete env[ENV.tokenKeyId];
    const secretValues = Object.values(template.findResources('AWS::SecretsManager::Secret')).map(
      (s) => s.Properties.SecretString,
    );
    for (const value of Object.values(env)) {
      expect(typeof value).toBe('string');
      expect(secretValues).not.toContain(value);
      expect(value).not.toMatch(/PLACEHOLDER|PRIVATE KEY/);
    }
  });

  it.each(['dev', 'staging', 'prod'])(
    "%s: the webhooks function trusts HighLevel's published key by default",
    (stage) => {
      const { template } = synthStage(stage);
      const env = (
        resources(template)[functionId(template, 'webhooks')].Properties!.Environment as {
          Variables: Record<string, string>;
        }
      ).Variables;
      expect(JSON.parse(env[ENV.webhookPublicKeys])).toEqual({ gohighlevel: HIGHLEVEL_WEBHOOK_PUBLIC_KEY });
    },
  );

  it('carries the HighLevel webhook public key and endpoint overrides as JSON', () => {
    const { template, settings } = synthStage('test');
    const env = (
      resources(template)[functionId(template, 'webhooks')].Properties!.Environment as {
        Variables: Record<string, string>;
      }
    ).Variables;
    expect(JSON.parse(env[ENV.webhookPublicKeys])).toEqual({
      gohighlevel: settings.highLevelWebhookPublicKey,
    });
    expect(JSON.parse(env[ENV.endpointOverrides])).toEqual(settings.endpointOverrides);
  });
});

describe('IAM', () => {
  const { template } = synthStage('fixed');
  const table = (name: string) =>
    `arn:aws:dynamodb:us-west-2:\${AWS::AccountId}:table/listbackup-fixed-${name}`;
  const STATES = 'table:listbackup-fixed-oauth-states';
  const TOKENS = 'table:listbackup-fixed-oauth-tokens';
  const VAULT = 'arn:aws:secretsmanager:us-west-2:${AWS::AccountId}:secret:sources/*/oauth-tokens-??????';
  const BUS = 'arn:aws:events:us-west-2:${AWS::AccountId}:event-bus/listbackup-fixed-events';
  const CREDENTIALS = SECRET_NAMES.filter((n) => !n.endsWith('webhook_secret')).map((n) => `secret:${n}`);
  const allow = (actions: string[], on: string[]) => actions.flatMap((a) => on.map((r) => `${a} ${r}`));
  // BatchGetSecretValue (the client id and secret in one call) has no resource type in IAM: "*" is its only resource.
  const BATCH = 'secretsmanager:BatchGetSecretValue *';
  const readSecrets = (names: string[]) => [
    ...allow(['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'], names),
    BATCH,
  ];
  const failedInvocationsQueue = Object.keys(template.findResources('AWS::SQS::Queue'))[0];
  const logs = (handler: Handler) => {
    const fn = resources(template)[functionId(template, handler)].Properties!;
    const logGroup = (fn.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;
    return allow(['logs:CreateLogStream', 'logs:PutLogEvents'], [`logs:${logGroup}`]);
  };
  const tokenLifecycle = [
    ...allow(['dynamodb:PutItem', 'dynamodb:DeleteItem'], [STATES]),
    ...allow(['dynamodb:UpdateItem'], [table('sources')]),
    ...allow(['dynamodb:GetItem', 'dynamodb:UpdateItem'], [table('platform-connections')]),
    ...allow(['dynamodb:PutItem'], [table('activity')]),
    ...allow(['dynamodb:GetItem', 'dynamodb:UpdateItem'], [TOKENS]),
    ...readSecrets(CREDENTIALS),
    `events:PutEvents ${BUS}`,
  ];

  const EXPECTED: Record<Handler, string[]> = {
    'oauth-start': [
      ...allow(['dynamodb:PutItem'], [STATES]),
      ...allow(['dynamodb:GetItem'], [table('user-accounts'), table('sources')]),
      ...readSecrets(CREDENTIALS),
    ],
    'oauth-callback': [
      ...allow(['dynamodb:DeleteItem', 'dynamodb:PutItem'], [STATES]),
      ...readSecrets(CREDENTIALS),
    ],
    'oauth-complete': [
      ...allow(['dynamodb:DeleteItem', 'dynamodb:PutItem'], [STATES]),
      ...allow(['dynamodb:GetItem'], [table('user-accounts')]),
      ...allow(['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'], [table('sources')]),
      ...allow(
        ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
        [table('platform-connections')],
      ),
      ...allow(['dynamodb:PutItem'], [table('activity')]),
      ...allow(['dynamodb:UpdateItem', 'dynamodb:DeleteItem'], [TOKENS]),
      `dynamodb:Query ${TOKENS}/index/byExternalAccount`,
      ...readSecrets(CREDENTIALS),
      `events:PutEvents ${BUS}`,
    ],
    'token-access': tokenLifecycle,
    'connection-refresher': [
      ...tokenLifecycle,
      `dynamodb:Query ${TOKENS}/index/byRefreshDue`,
      // The on-failure destination: Lambda sends a failed run's record with the function's role.
      ...allow(
        ['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'],
        [`getatt:${failedInvocationsQueue}.Arn`],
      ),
    ],
    'connection-disconnect': [
      ...allow(['dynamodb:GetItem'], [table('user-accounts')]),
      ...allow(
        ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
        [table('sources'), table('platform-connections')],
      ),
      ...allow(['dynamodb:PutItem'], [table('activity')]),
      // The item stays as a mark: no DeleteItem.
      ...allow(['dynamodb:GetItem', 'dynamodb:UpdateItem'], [TOKENS]),
      `dynamodb:Query ${TOKENS}/index/byExternalAccount`,
      ...readSecrets(CREDENTIALS),
      `events:PutEvents ${BUS}`,
    ],
    webhooks: [
      ...allow(['dynamodb:UpdateItem'], [STATES]),
      ...allow(['dynamodb:PutItem'], [table('activity')]),
      `dynamodb:Query ${TOKENS}/index/byExternalAccount`,
      ...allow(['dynamodb:UpdateItem', 'dynamodb:DeleteItem'], [table('platform-connections')]),
      ...allow(['dynamodb:UpdateItem'], [table('sources')]),
      ...allow(['dynamodb:UpdateItem', 'dynamodb:DeleteItem'], [TOKENS]),
      ...readSecrets([
        'secret:app/oauth/shopify/client_id',
        'secret:app/oauth/shopify/client_secret',
        'secret:app/oauth/stripe/webhook_secret',
        'secret:app/oauth/gohighlevel/client_id',
      ]),
      `events:PutEvents ${BUS}`,
    ],
    // Nothing but its own logs: the answer is computed from the request and the allowed origins.
    'cors-preflight': [],
  };

  it.each(HANDLERS)(
    '%s: exactly the listed actions on the listed resources, through its own role',
    (handler) => {
      expect(permissions(template, handler)).toEqual([...logs(handler), ...EXPECTED[handler]].sort());
    },
  );

  it('uses no managed policy anywhere (log permissions are scoped to each function’s own log group)', () => {
    for (const role of Object.values(template.findResources('AWS::IAM::Role'))) {
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    }
    template.resourceCountIs('AWS::IAM::Role', HANDLERS.length);
  });

  it('has no wildcard action and no account-wide resource for DynamoDB, Secrets Manager, logs or events', () => {
    for (const handler of HANDLERS) {
      for (const s of roleStatements(template, handler)) {
        for (const action of asArray(s.Action)) expect(action).not.toMatch(/\*/);
        for (const resource of asArray(s.Resource).map((r) => renderResource(template, r))) {
          // "*" only for the one action that takes no other resource; it reads nothing without GetSecretValue.
          if (resource === '*') expect(asArray(s.Action)).toEqual(['secretsmanager:BatchGetSecretValue']);
          if (resource === '*') continue;
          // No other wildcard in dynamodb-kms mode (index ARNs name their index; the key grants live in its policy).
          expect(resource).not.toContain('*');
        }
      }
    }
  });

  it('lets no function touch tokens or records that it does not need: the callback holds none', () => {
    const withVault = HANDLERS.filter((h) => permissions(template, h).some((p) => p.includes(TOKENS)));
    expect(withVault).toEqual([
      'oauth-complete',
      'token-access',
      'connection-refresher',
      'connection-disconnect',
      'webhooks',
    ]);
    expect(
      permissions(template, 'oauth-callback').filter(
        (p) =>
          !p.includes(STATES) && !p.includes('secret:app/oauth/') && !p.startsWith('logs:') && p !== BATCH,
      ),
    ).toEqual([]);
    // dynamodb-kms: nothing may touch a per-source secret.
    expect(HANDLERS.filter((h) => permissions(template, h).some((p) => p.endsWith(` ${VAULT}`)))).toEqual([]);
  });
});
