// The preflight against moto_server (API Gateway v2, DynamoDB, EventBridge, Secrets Manager, KMS, and moto's STS, SSM
// and CloudFormation), every call counted at the wire: a ready stage passes; each wrong thing alone is reported with
// its fix and exit 1; no write call is ever made.
//
// Where moto differs from AWS, and what stands in: moto 5.2 has no Lambda GetAccountSettings (the wire proxy answers
// it, shaped as the Lambda API reference documents); moto's API and authorizer ids are 8 letters where AWS's are 10
// and 6 characters, so the test sets them on the validated settings instead of in a stage map; moto's GetStage omits
// autoDeploy when unset (AWS documents false as the default, docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/
// aws-resource-apigatewayv2-stage.html; the preflight treats anything but true as off). The answers relied on were
// checked against the API references: GetAuthorizer's authorizerType / authorizerPayloadFormatVersion / identitySource
// (a list), GetRoutes' routeKey / target, DynamoDB DescribeTable's KeySchema / AttributeDefinitions / GSIs, EventBridge
// DescribeEventBus and Secrets Manager's ResourceNotFoundException, CloudFormation's ValidationError for a missing stack.
import {
  ApiGatewayV2Client,
  CreateApiCommand,
  CreateAuthorizerCommand,
  CreateRouteCommand,
  CreateStageCommand,
  DeleteStageCommand,
} from '@aws-sdk/client-apigatewayv2';
import {
  CreateTableCommand,
  DeleteTableCommand,
  DynamoDBClient,
  type CreateTableCommandInput,
} from '@aws-sdk/client-dynamodb';
import { CreateEventBusCommand, DeleteEventBusCommand, EventBridgeClient } from '@aws-sdk/client-eventbridge';
import {
  CreateSecretCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { CloudFormationClient, CreateStackCommand } from '@aws-sdk/client-cloudformation';
import { CreateAliasCommand, CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { DeleteParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { placeholderValue } from '../../lib/client-secrets';
import { loadSettings, type StageSettings } from '../../lib/config';
import { importedTableContracts } from '../../lib/core-contract';
import { allTargets } from '../../scripts/credentials/targets';
import { isProviderId } from '../../lambda/providers/registry';
import { destroyClients, preflightClients } from '../../scripts/preflight/aws';
import {
  PREFLIGHT_EXIT,
  exitCodeOf,
  renderJson,
  renderText,
  type Finding,
} from '../../scripts/preflight/findings';
import { preflight } from '../../scripts/preflight/run';
import { startAwsWire, type AwsWire } from '../support/aws-wire';
import { clientIdFor, clientSecret, webhookSecret } from '../unit/credentials-fixtures';

const MOTO_ACCOUNT = '123456789012';
const CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };
// One region per case: moto keeps each region's resources apart, so cases never see each other's.
const REGIONS = [
  'us-east-1',
  'us-east-2',
  'us-west-1',
  'eu-west-1',
  'eu-west-2',
  'eu-west-3',
  'eu-central-1',
  'eu-north-1',
  'ap-south-1',
  'ap-northeast-1',
  'ap-northeast-2',
  'ap-southeast-1',
  'ap-southeast-2',
  'ca-central-1',
  'sa-east-1',
  'eu-south-1',
  'ap-east-1',
  'me-south-1',
  'af-south-1',
  'ap-southeast-3',
  'ap-northeast-3',
];
let nextRegion = 0;

// Each case seeds a whole stage in moto (about 40 calls) before the preflight runs; on a loaded 2-core machine that
// takes seconds.
jest.setTimeout(120_000);

let wire: AwsWire;
const moto = () => {
  const endpoint = process.env.TEST_MOTO_ENDPOINT;
  if (!endpoint)
    throw new Error('TEST_MOTO_ENDPOINT is not set: run through jest (globalSetup starts moto_server)');
  return endpoint;
};

beforeAll(async () => {
  wire = await startAwsWire(moto());
  // The preflight's own clients reach AWS through the counting proxy, as the SDK reads AWS_ENDPOINT_URL.
  delete process.env.AWS_ENDPOINT_URL_DYNAMODB;
  delete process.env.AWS_ENDPOINT_URL_KMS;
  process.env.AWS_ENDPOINT_URL = wire.endpoint;
});

afterAll(async () => {
  delete process.env.AWS_ENDPOINT_URL;
  await wire?.close();
});

interface World {
  region: string;
  ssm: SSMClient;
  cfn: CloudFormationClient;
  raw: Record<string, unknown>;
  settings: StageSettings;
  apigw: ApiGatewayV2Client;
  dynamo: DynamoDBClient;
  events: EventBridgeClient;
  secrets: SecretsManagerClient;
}

const direct = { endpoint: '', credentials: CREDENTIALS };

function tableInput(
  name: string,
  key: { partitionKey: string; sortKey?: string },
  indexes = {},
): CreateTableCommandInput {
  const idx = Object.entries(indexes as Record<string, { partitionKey: string; sortKey?: string }>);
  const attrs = new Set([
    key.partitionKey,
    key.sortKey,
    ...idx.flatMap(([, k]) => [k.partitionKey, k.sortKey]),
  ]);
  const schema = (k: { partitionKey: string; sortKey?: string }) => [
    { AttributeName: k.partitionKey, KeyType: 'HASH' as const },
    ...(k.sortKey ? [{ AttributeName: k.sortKey, KeyType: 'RANGE' as const }] : []),
  ];
  return {
    TableName: name,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [...attrs]
      .filter((a): a is string => !!a)
      .map((AttributeName) => ({ AttributeName, AttributeType: 'S' })),
    KeySchema: schema(key),
    ...(idx.length
      ? {
          GlobalSecondaryIndexes: idx.map(([IndexName, k]) => ({
            IndexName,
            KeySchema: schema(k),
            Projection: { ProjectionType: 'ALL' },
          })),
        }
      : {}),
  };
}

/** Everything a ready stage needs from the core service and the account, created directly in moto (not counted). */
async function readyStage(): Promise<World> {
  const region = REGIONS[nextRegion++];
  if (!region) throw new Error('out of regions: add one to REGIONS for the new case');
  const config = { ...direct, endpoint: moto(), region };
  const apigw = new ApiGatewayV2Client(config);
  const dynamo = new DynamoDBClient(config);
  const events = new EventBridgeClient(config);
  const secrets = new SecretsManagerClient(config);
  const ssm = new SSMClient(config);
  const api = await apigw.send(new CreateApiCommand({ Name: 'core', ProtocolType: 'HTTP' }));
  const ApiId = api.ApiId as string;
  await apigw.send(new CreateStageCommand({ ApiId, StageName: '$default', AutoDeploy: true }));
  const authorizer = await apigw.send(
    new CreateAuthorizerCommand({
      ApiId,
      Name: 'core-authorizer',
      AuthorizerType: 'REQUEST',
      AuthorizerPayloadFormatVersion: '2.0',
      EnableSimpleResponses: true,
      IdentitySource: ['$request.header.Authorization'],
      AuthorizerUri: `arn:aws:apigateway:${region}:lambda:path/2015-03-31/functions/arn:aws:lambda:${region}:${MOTO_ACCOUNT}:function:core-authorizer/invocations`,
    }),
  );
  // A route of the core service that is not one of ours.
  await apigw.send(new CreateRouteCommand({ ApiId, RouteKey: 'GET /accounts/{accountId}' }));
  const raw = {
    account: MOTO_ACCOUNT,
    region,
    apiUrl: 'https://api.preflight.example.test',
    appUrl: 'https://app.preflight.example.test',
    httpApiId: 'a0a0a0a0a0',
    authorizerId: 'b0b0b0',
    eventBusName: 'listbackup-preflight-events',
    tablePrefix: 'listbackup-preflight',
    secretPrefix: 'app/oauth',
    importClientSecrets: true,
    stripeMode: 'test',
  };
  const settings = {
    ...loadSettings('preflight', { preflight: raw }),
    httpApiId: ApiId,
    authorizerId: authorizer.AuthorizerId as string,
  };
  for (const t of importedTableContracts(settings.tablePrefix)) {
    await dynamo.send(new CreateTableCommand(tableInput(t.tableName, t.key, t.indexes)));
  }
  await events.send(new CreateEventBusCommand({ Name: settings.eventBusName }));
  for (const target of allTargets(settings.secretPrefix)) {
    for (const field of target.fields) {
      const value =
        field.key === 'clientId' && isProviderId(target.id)
          ? clientIdFor(target.id)
          : field.key === 'webhookSecret'
            ? webhookSecret()
            : clientSecret();
      await secrets.send(new CreateSecretCommand({ Name: field.secretName, SecretString: value }));
    }
  }
  await ssm.send(
    new PutParameterCommand({ Name: '/cdk-bootstrap/hnb659fds/version', Value: '21', Type: 'String' }),
  );
  const cfn = new CloudFormationClient(config);
  return { region, raw, settings, apigw, dynamo, events, secrets, ssm, cfn };
}

async function run(settings: StageSettings) {
  wire.calls.length = 0;
  const clients = preflightClients(settings.region);
  try {
    const report = await preflight(settings, { preflight: {} }, clients);
    return { report, code: exitCodeOf(report.findings), calls: [...wire.calls] };
  } finally {
    destroyClients(clients);
  }
}

const failures = (findings: readonly Finding[]) =>
  findings.filter((f) => f.status !== 'ok' && f.status !== 'info');

function expectReadOnly(calls: { service: string; operation: string; read: boolean }[]) {
  expect(calls.length).toBeGreaterThan(20);
  expect(calls.filter((c) => !c.read)).toEqual([]);
  // Every service the preflight reads was reached through the proxy.
  expect(new Set(calls.map((c) => c.service))).toEqual(
    new Set([
      'sts',
      'cloudformation',
      'apigateway',
      'dynamodb',
      'events',
      'secretsmanager',
      'lambda',
      'ssm',
      'kms',
    ]),
  );
}

describe('preflight', () => {
  it('lets token secrets be while a stage migrates (tokenReadFallback on)', async () => {
    const world = await readyStage();
    await world.secrets.send(
      new CreateSecretCommand({ Name: 'sources/acct_1/src_1/oauth-tokens', SecretString: '{}' }),
    );
    const { report } = await run({ ...world.settings, tokenReadFallback: true });
    expect(failures(report.findings)).toEqual([]);
    expect(report.findings.map((f) => f.check)).not.toContain('vault.migration');
  });

  it('passes a ready stage with read calls only, and prints no secret value', async () => {
    const world = await readyStage();
    const { report, code, calls } = await run(world.settings);
    expect(failures(report.findings)).toEqual([]);
    expect(code).toBe(PREFLIGHT_EXIT.ready);
    expect(report.phase).toBe('first-deploy');
    expect(report.account).toBe(MOTO_ACCOUNT);
    expectReadOnly(calls);
    expect(renderText(report)).toMatch(/Ready\.\n$/);
    const json = JSON.parse(renderJson(report)) as { ready: boolean; exitCode: number };
    expect(json).toMatchObject({ ready: true, exitCode: 0, stage: 'preflight' });
    expect(renderJson(report)).not.toMatch(/cs-|whsec_/);
  });

  it.each<[string, (w: World) => Promise<StageSettings | void>, string, RegExp, RegExp]>([
    [
      'an unknown API',
      async (w) => ({ ...w.settings, httpApiId: 'zzzzzzzz' }),
      'api.exists',
      /not found in /,
      /set httpApiId \(and region\) in lib\/stages.ts .*aws apigatewayv2 get-apis/,
    ],
    [
      'a JWT authorizer',
      async (w) => {
        const jwt = await w.apigw.send(
          new CreateAuthorizerCommand({
            ApiId: w.settings.httpApiId,
            Name: 'jwt',
            AuthorizerType: 'JWT',
            IdentitySource: ['$request.header.Authorization'],
            JwtConfiguration: { Audience: ['app'], Issuer: 'https://issuer.example.test' },
          }),
        );
        return { ...w.settings, authorizerId: jwt.AuthorizerId as string };
      },
      'api.authorizer.type',
      /is a JWT authorizer, not a Lambda \(REQUEST\) authorizer/,
      /set authorizerId in lib\/stages.ts to the core service's Lambda authorizer/,
    ],
    [
      'payload format 1.0',
      async (w) => {
        const v1 = await w.apigw.send(
          new CreateAuthorizerCommand({
            ApiId: w.settings.httpApiId,
            Name: 'v1',
            AuthorizerType: 'REQUEST',
            AuthorizerPayloadFormatVersion: '1.0',
            IdentitySource: ['$request.header.Authorization'],
            AuthorizerUri: 'arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/x/invocations',
          }),
        );
        return { ...w.settings, authorizerId: v1.AuthorizerId as string };
      },
      'api.authorizer.payload',
      /uses payload format 1\.0, not 2\.0/,
      /--authorizer-payload-format-version 2\.0/,
    ],
    [
      'identity taken from elsewhere than the Authorization header',
      async (w) => {
        const query = await w.apigw.send(
          new CreateAuthorizerCommand({
            ApiId: w.settings.httpApiId,
            Name: 'query',
            AuthorizerType: 'REQUEST',
            AuthorizerPayloadFormatVersion: '2.0',
            IdentitySource: ['$request.querystring.token'],
            AuthorizerUri: 'arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/x/invocations',
          }),
        );
        return { ...w.settings, authorizerId: query.AuthorizerId as string };
      },
      'api.authorizer.identity',
      /takes its identity from \$request\.querystring\.token; the app sends \$request\.header\.Authorization/,
      /--identity-source '\$request\.header\.Authorization'/,
    ],
    [
      'a stage that does not auto-deploy',
      async (w) => {
        await w.apigw.send(new DeleteStageCommand({ ApiId: w.settings.httpApiId, StageName: '$default' }));
        await w.apigw.send(new CreateStageCommand({ ApiId: w.settings.httpApiId, StageName: '$default' }));
      },
      'api.stage',
      /does not auto-deploy/,
      /--auto-deploy\), or run aws apigatewayv2 create-deployment/,
    ],
    [
      'a colliding route',
      async (w) => {
        await w.apigw.send(
          new CreateRouteCommand({
            ApiId: w.settings.httpApiId,
            RouteKey: 'POST /integrations/oauth/{provider}/start',
            Target: 'integrations/legacy1',
          }),
        );
      },
      'api.routes.collision',
      /already exists \(route \w+, target integrations\/legacy1\) and is not this stack's/,
      /aws apigatewayv2 delete-route .* if it is a leftover/,
    ],
    [
      'a missing table',
      async (w) => {
        await w.dynamo.send(new DeleteTableCommand({ TableName: 'listbackup-preflight-sources' }));
      },
      'tables.exists',
      /not found in /,
      /check tablePrefix \(listbackup-preflight\) .* sources table \(key accountId \(S\) \+ sourceId \(S\)\)/,
    ],
    [
      'a wrong key schema',
      async (w) => {
        await w.dynamo.send(new DeleteTableCommand({ TableName: 'listbackup-preflight-activity' }));
        await w.dynamo.send(
          new CreateTableCommand(
            tableInput('listbackup-preflight-activity', { partitionKey: 'accountId', sortKey: 'createdAt' }),
          ),
        );
      },
      'tables.schema',
      /key is accountId \(S\) \+ createdAt \(S\), the code uses accountId \(S\) \+ activityId \(S\)/,
      /must match lambda\/store\/tables.ts/,
    ],
    [
      'a missing bus',
      async (w) => {
        await w.events.send(new DeleteEventBusCommand({ Name: w.settings.eventBusName }));
      },
      'bus.exists',
      /not found in .*: every connection event would fail to publish/,
      /set eventBusName in lib\/stages.ts/,
    ],
    [
      'a placeholder secret',
      async (w) => {
        await w.secrets.send(
          new PutSecretValueCommand({
            SecretId: 'app/oauth/hubspot/client_secret',
            SecretString: placeholderValue('hubspot', 'preflight'),
          }),
        );
      },
      'secrets.placeholder',
      /holds a placeholder/,
      /npm run credentials -- set hubspot --stage preflight/,
    ],
  ])(
    'reports %s alone, with its fix, and exits 1 without a write',
    async (_, breakIt, check, message, fix) => {
      const world = await readyStage();
      const settings = (await breakIt(world)) ?? world.settings;
      const { report, code, calls } = await run(settings);
      const wrong = failures(report.findings);
      expect(wrong).toEqual([
        expect.objectContaining({ check, status: 'fail', message: expect.stringMatching(message) }),
      ]);
      expect(wrong[0].fix).toMatch(fix);
      expect(code).toBe(PREFLIGHT_EXIT.notReady);
      expect(renderText(report)).toContain(`      fix: ${wrong[0].fix}`);
      expect(calls.length).toBeGreaterThan(5);
      expect(calls.filter((c) => !c.read)).toEqual([]);
    },
  );

  it.each<[string, (w: World) => Promise<StageSettings | void>, string, RegExp, RegExp]>([
    [
      'a stack of the same name this app did not create',
      async (w) => {
        await w.cfn.send(
          new CreateStackCommand({
            StackName: 'listbackup-integrations-preflight',
            TemplateBody: JSON.stringify({
              Description: 'The Serverless Application listbackup-integrations',
              Resources: { Topic: { Type: 'AWS::SNS::Topic' } },
            }),
          }),
        );
      },
      'stack.foreign',
      /exists \(CREATE_COMPLETE\) but was not created by this app .*earlier Serverless service/,
      /move the old service off this name first .*aws cloudformation delete-stack/,
    ],
    [
      'an account not bootstrapped in the region',
      async (w) => {
        await w.ssm.send(new DeleteParameterCommand({ Name: '/cdk-bootstrap/hnb659fds/version' }));
      },
      'bootstrap.version',
      /account 123456789012 is not bootstrapped in .* \(no \/cdk-bootstrap\/hnb659fds\/version\)/,
      /run once per account and region: npx cdk bootstrap aws:\/\/123456789012\//,
    ],
    [
      'a KMS alias of the stage left by an earlier deploy (the key is retained)',
      async (w) => {
        const kms = new KMSClient({ ...direct, endpoint: moto(), region: w.region });
        const key = await kms.send(new CreateKeyCommand({}));
        await kms.send(
          new CreateAliasCommand({
            AliasName: 'alias/listbackup-integrations/preflight/tokens',
            TargetKeyId: key.KeyMetadata?.KeyId,
          }),
        );
        kms.destroy();
      },
      'vault.key',
      /exists already, but the stack creates it/,
      /aws kms delete-alias --region .* --alias-name alias\/listbackup-integrations\/preflight\/tokens/,
    ],
    [
      'token secrets not in the table while reads no longer fall back to them',
      async (w) => {
        await w.secrets.send(
          new CreateSecretCommand({ Name: 'sources/acct_1/src_1/oauth-tokens', SecretString: '{}' }),
        );
      },
      'vault.migration',
      /1 of the 1 looked at have no tokens in listbackup-preflight-oauth-tokens/,
      /set tokenReadFallback: true for stage preflight .* npm run vault -- migrate --stage preflight/,
    ],
    [
      'a leftover oauth-states table before the first deploy',
      async (w) => {
        await w.dynamo.send(
          new CreateTableCommand(tableInput('listbackup-preflight-oauth-states', { partitionKey: 'state' })),
        );
      },
      'tables.owned',
      /exists already, but the stack creates it/,
      /aws dynamodb delete-table .* --table-name listbackup-preflight-oauth-states\); otherwise give the stage another tablePrefix/,
    ],
  ])('also reports %s alone, with its fix', async (_, breakIt, check, message, fix) => {
    const world = await readyStage();
    const settings = (await breakIt(world)) ?? world.settings;
    const { report, code, calls } = await run(settings);
    const wrong = failures(report.findings);
    expect(wrong).toEqual([
      expect.objectContaining({ check, status: 'fail', message: expect.stringMatching(message) }),
    ]);
    expect(wrong[0].fix).toMatch(fix);
    expect(code).toBe(PREFLIGHT_EXIT.notReady);
    expect(calls.filter((c) => !c.read)).toEqual([]);
  });

  it('reports secrets a first deploy would create but that exist already', async () => {
    const world = await readyStage();
    const { report, code } = await run({ ...world.settings, importClientSecrets: false });
    const wrong = failures(report.findings);
    expect(wrong).toHaveLength(19);
    expect(new Set(wrong.map((f) => f.check))).toEqual(new Set(['secrets.collision']));
    expect(wrong[0].fix).toMatch(/set importClientSecrets: true .* or give the stage another secretPrefix/);
    expect(code).toBe(PREFLIGHT_EXIT.notReady);
  });

  it('says when the quota has no room for the reservations and what to request', async () => {
    const world = await readyStage();
    wire.lambdaAccount.ConcurrentExecutions = 10;
    wire.lambdaAccount.UnreservedConcurrentExecutions = 10;
    try {
      const { report, code } = await run({
        ...world.settings,
        reservedConcurrency: { publicRoute: 20, refresher: 1 },
      });
      expect(failures(report.findings)).toEqual([
        expect.objectContaining({
          check: 'concurrency',
          message: expect.stringMatching(
            /reserves 41 .* has 10 to give and Lambda keeps at least 100 unreserved/,
          ),
          fix: expect.stringMatching(/quota of at least 141 .* L-B99A9384/),
        }),
      ]);
      expect(code).toBe(PREFLIGHT_EXIT.notReady);
      // The default (no reservation) fits the same account.
      const bare = await run(world.settings);
      expect(failures(bare.report.findings)).toEqual([]);
    } finally {
      wire.lambdaAccount.ConcurrentExecutions = 1000;
      wire.lambdaAccount.UnreservedConcurrentExecutions = 1000;
    }
  });

  it('reports a sandbox stage run in another stage\u2019s account', async () => {
    const world = await readyStage();
    const sandbox = { ...world.settings, account: undefined, sandbox: true };
    wire.calls.length = 0;
    const clients = preflightClients(sandbox.region);
    try {
      const report = await preflight(
        sandbox,
        { prod: world.raw, preflight: { ...world.raw, account: undefined } },
        clients,
      );
      expect(failures(report.findings).map((f) => f.check)).toEqual(['account.caller']);
      expect(failures(report.findings)[0].message).toMatch(
        /account 123456789012, which belongs to stage prod/,
      );
    } finally {
      destroyClients(clients);
    }
  });
});
