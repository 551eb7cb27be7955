// The tool end to end through main(): every subcommand and error against aws-sdk-client-mock, no value in any output.
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { PROVIDER_IDS, type ProviderId } from '../../lambda/providers/registry';
import { main } from '../../scripts/credentials/commands';
import { EXIT } from '../../scripts/credentials/errors';
import { awsSecretStore, type StoreContext } from '../../scripts/credentials/secret-store';
import { allTargets } from '../../scripts/credentials/targets';
import {
  capture,
  clientIdFor,
  clientSecret,
  depsWith,
  expectNoValues,
  pipedStdin,
  ttyStdin,
  webhookSecret,
  type Captured,
} from './credentials-fixtures';

const sm = mockClient(SecretsManagerClient);
const PREFIX = 'app/oauth'; // dev's secretPrefix in lib/stages.ts
const PLACEHOLDER = 'PLACEHOLDER: upload with npm run credentials -- set x --stage dev';

/** A Secrets Manager behind the mock: name -> current value and last change; deleted ones are kept with a flag. */
let backend: Map<string, { value: string; changed: Date; deleted?: boolean }>;
let contexts: StoreContext[];
let logged: string[];

const accessDenied = (action: string) =>
  Object.assign(
    new Error(
      `User: arn:aws:sts::123456789012:assumed-role/ops/me is not authorized to perform: secretsmanager:${action}`,
    ),
    {
      name: 'AccessDeniedException',
    },
  );
const notFound = () =>
  new ResourceNotFoundException({
    message: "Secrets Manager can't find the specified secret.",
    $metadata: {},
  });

function deployAll(): void {
  for (const t of allTargets(PREFIX))
    for (const f of t.fields)
      backend.set(f.secretName, { value: PLACEHOLDER, changed: new Date('2026-11-01T00:00:00Z') });
}

function store(context: StoreContext) {
  contexts.push(context);
  return awsSecretStore(new SecretsManagerClient({ region: context.region }), context);
}

beforeEach(() => {
  backend = new Map();
  contexts = [];
  logged = [];
  sm.reset();
  sm.on(DescribeSecretCommand).callsFake(({ SecretId }) => {
    const s = backend.get(SecretId);
    if (!s) throw notFound();
    return { Name: SecretId, LastChangedDate: s.changed, DeletedDate: s.deleted ? new Date() : undefined };
  });
  sm.on(GetSecretValueCommand).callsFake(({ SecretId }) => {
    const s = backend.get(SecretId);
    if (!s) throw notFound();
    if (s.deleted)
      throw Object.assign(
        new Error('You can’t perform this operation on the secret because it was marked for deletion.'),
        { name: 'InvalidRequestException' },
      );
    return { Name: SecretId, SecretString: s.value };
  });
  sm.on(PutSecretValueCommand).callsFake(({ SecretId, SecretString }) => {
    const s = backend.get(SecretId);
    if (!s) throw notFound();
    backend.set(SecretId, { value: SecretString, changed: new Date() });
    return { Name: SecretId, VersionId: 'v2' };
  });
  for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    jest.spyOn(console, level).mockImplementation((...args: unknown[]) => {
      logged.push(args.map(String).join(' '));
    });
  }
});

afterEach(() => jest.restoreAllMocks());

const puts = () => sm.commandCalls(PutSecretValueCommand).map((c) => c.args[0].input);

function outputs(c: Captured): string[] {
  return [c.out(), c.err(), ...logged];
}

describe('status', () => {
  it('shows every provider and the webhook secret as placeholder, present or missing, exits 1 when not ready', async () => {
    deployAll();
    const secrets = { id: clientIdFor('google'), secret: clientSecret(), webhook: webhookSecret() };
    backend.set(`${PREFIX}/google/client_id`, {
      value: secrets.id,
      changed: new Date('2026-11-20T08:30:00Z'),
    });
    backend.set(`${PREFIX}/google/client_secret`, {
      value: secrets.secret,
      changed: new Date('2026-11-20T08:31:00Z'),
    });
    backend.set(`${PREFIX}/stripe/webhook_secret`, {
      value: secrets.webhook,
      changed: new Date('2026-11-21T00:00:00Z'),
    });
    backend.delete(`${PREFIX}/box/client_secret`);
    backend.set(`${PREFIX}/keap/client_id`, { value: 'k', changed: new Date(), deleted: true });
    const c = capture();

    const code = await main(['status', '--stage', 'dev'], depsWith(c, store));

    expect(code).toBe(EXIT.notReady);
    const lines = c.out().split('\n');
    expect(lines[0]).toBe('Stage dev (us-west-2), prefix app/oauth');
    expect(lines.filter((l) => /^\S+\s+app\/oauth\//.test(l))).toHaveLength(PROVIDER_IDS.length * 2 + 1);
    expect(c.out()).toMatch(/google\s+app\/oauth\/google\/client_id\s+present\s+2026-11-20 08:30 UTC/);
    expect(c.out()).toMatch(/google\s+app\/oauth\/google\/client_secret\s+present\s+2026-11-20 08:31 UTC/);
    expect(c.out()).toMatch(
      /stripe-webhook\s+app\/oauth\/stripe\/webhook_secret\s+present\s+2026-11-21 00:00 UTC/,
    );
    expect(c.out()).toMatch(/hubspot\s+app\/oauth\/hubspot\/client_id\s+placeholder\s+2026-11-01 00:00 UTC/);
    expect(c.out()).toMatch(/box\s+app\/oauth\/box\/client_secret\s+missing\s+-/);
    expect(c.out()).toMatch(/keap\s+app\/oauth\/keap\/client_id\s+scheduled for deletion/);
    expect(c.out()).toMatch(
      /Not ready: hubspot, gohighlevel, dropbox, box, quickbooks, shopify, keap, stripe\n/,
    );
    expect(contexts).toEqual([{ stage: 'dev', region: 'us-west-2', importClientSecrets: false }]);
    expectNoValues(outputs(c), [secrets.id, secrets.secret, secrets.webhook]);
  });

  it('calls a present value not shaped as the registry expects malformed, and not ready', async () => {
    deployAll();
    backend.set(`${PREFIX}/shopify/client_id`, { value: clientIdFor('google'), changed: new Date() });
    const c = capture();
    expect(await main(['status', '--stage', 'dev'], depsWith(c, store))).toBe(EXIT.notReady);
    expect(c.out()).toMatch(/shopify\s+app\/oauth\/shopify\/client_id\s+malformed/);
  });

  it("refuses to read a stage's secrets with another account's credentials, naming both accounts", async () => {
    deployAll();
    const c = capture();
    const deps = { ...depsWith(c, store), callerAccount: async () => '999999999999' };
    expect(await main(['status', '--stage', 'staging'], deps)).toBe(EXIT.aws);
    expect(c.err()).toMatch(
      /credentials are for account 999999999999, but stage staging lives in account 111111111111.*Nothing was read or written/,
    );
    expect(contexts).toEqual([]);
    // The sandbox stage is refused in an account another stage names, accepted elsewhere.
    const prod = { ...depsWith(capture(), store), callerAccount: async () => '222222222222' };
    expect(await main(['status', '--stage', 'dev'], prod)).toBe(EXIT.aws);
    const own = { ...depsWith(capture(), store), callerAccount: async () => '999999999999' };
    expect(await main(['status', '--stage', 'dev'], own)).toBe(EXIT.notReady);
  });

  it('exits 0 when every secret is present', async () => {
    const values: string[] = [];
    for (const t of allTargets(PREFIX)) {
      for (const f of t.fields) {
        const value =
          f.key === 'clientId'
            ? clientIdFor(t.id as ProviderId)
            : f.key === 'webhookSecret'
              ? webhookSecret()
              : clientSecret();
        values.push(value);
        backend.set(f.secretName, { value, changed: new Date() });
      }
    }
    const c = capture();
    expect(await main(['status', '--stage', 'dev'], depsWith(c, store))).toBe(EXIT.ok);
    expect(c.out()).toMatch(/All client credentials are ready/);
    expect(c.out()).not.toMatch(/placeholder|missing/);
    expectNoValues(outputs(c), values);
  });

  it('names the IAM action and secret when access is denied', async () => {
    deployAll();
    sm.on(GetSecretValueCommand, { SecretId: `${PREFIX}/shopify/client_secret` }).rejects(
      accessDenied('GetSecretValue'),
    );
    const c = capture();
    expect(await main(['status', '--stage', 'dev'], depsWith(c, store))).toBe(EXIT.aws);
    expect(c.err()).toMatch(
      /not allowed: your AWS identity may not call secretsmanager:GetSecretValue on app\/oauth\/shopify\/client_secret in us-west-2/,
    );
    expect(c.err()).toMatch(
      /arn:aws:secretsmanager:us-west-2:<account>:secret:app\/oauth\/shopify\/client_secret-\*/,
    );
  });

  it('refuses an unknown stage with the known ones', async () => {
    const c = capture();
    expect(await main(['status', '--stage', 'qa'], depsWith(c, store))).toBe(EXIT.usage);
    expect(c.err()).toBe('error: unknown stage qa: expected one of dev, staging, prod\n');
    expect(sm.calls()).toHaveLength(0);
  });

  it('explains missing AWS credentials', async () => {
    sm.on(DescribeSecretCommand).rejects(
      Object.assign(new Error('Could not load credentials from any providers'), {
        name: 'CredentialsProviderError',
      }),
    );
    const c = capture();
    expect(await main(['status', '--stage', 'dev'], depsWith(c, store))).toBe(EXIT.aws);
    expect(c.err()).toMatch(/no AWS credentials found: set AWS_PROFILE/);
  });
});

describe('set', () => {
  it('writes client id and secret piped as two lines', async () => {
    deployAll();
    const id = clientIdFor('stripe');
    const secret = clientSecret();
    const c = capture();

    const code = await main(
      ['set', 'stripe', '--stage', 'dev'],
      depsWith(c, store, { stdin: pipedStdin(`${id}\n${secret}\n`) }),
    );

    expect(code).toBe(EXIT.ok);
    expect(puts()).toEqual([
      { SecretId: `${PREFIX}/stripe/client_id`, SecretString: id },
      { SecretId: `${PREFIX}/stripe/client_secret`, SecretString: secret },
    ]);
    expect(c.out()).toMatch(/stripe\s+app\/oauth\/stripe\/client_id\s+version created/);
    expect(c.err()).toMatch(/Stripe Connect credentials for stage dev are uploaded/);
    expectNoValues(outputs(c), [id, secret]);
  });

  it('reads JSON from stdin, and environment variables before stdin', async () => {
    deployAll();
    const json = { clientId: clientIdFor('hubspot'), clientSecret: clientSecret() };
    const c1 = capture();
    expect(
      await main(
        ['set', 'hubspot', '--stage', 'dev'],
        depsWith(c1, store, { stdin: pipedStdin(JSON.stringify(json)) }),
      ),
    ).toBe(EXIT.ok);
    expect(backend.get(`${PREFIX}/hubspot/client_secret`)?.value).toBe(json.clientSecret);

    const env = { LISTBACKUP_CLIENT_ID: clientIdFor('dropbox'), LISTBACKUP_CLIENT_SECRET: clientSecret() };
    const c2 = capture();
    const ignored = clientSecret();
    expect(
      await main(
        ['set', 'dropbox', '--stage', 'dev'],
        depsWith(c2, store, { env, stdin: pipedStdin(`x\n${ignored}\n`) }),
      ),
    ).toBe(EXIT.ok);
    expect(backend.get(`${PREFIX}/dropbox/client_id`)?.value).toBe(env.LISTBACKUP_CLIENT_ID);
    expect(backend.get(`${PREFIX}/dropbox/client_secret`)?.value).toBe(env.LISTBACKUP_CLIENT_SECRET);
    expectNoValues(
      [...outputs(c1), ...outputs(c2)],
      [json.clientSecret, env.LISTBACKUP_CLIENT_SECRET, ignored],
    );
  });

  it('refuses half of the environment variables', async () => {
    const c = capture();
    expect(
      await main(
        ['set', 'box', '--stage', 'dev'],
        depsWith(c, store, { env: { LISTBACKUP_CLIENT_SECRET: clientSecret() } }),
      ),
    ).toBe(EXIT.invalidInput);
    expect(c.err()).toMatch(/LISTBACKUP_CLIENT_SECRET is set but LISTBACKUP_CLIENT_ID is not/);
    expect(sm.calls()).toHaveLength(0);
  });

  it('prompts on a terminal: the client id echoed, the secret not echoed at all', async () => {
    deployAll();
    const id = clientIdFor('box');
    const secret = clientSecret();
    const stdin = ttyStdin();
    const c = capture();
    const run = main(['set', 'box', '--stage', 'dev'], depsWith(c, store, { stdin }));
    // Typed with a correction: an extra character and a backspace in each field.
    stdin.write(`${id}x\u007f\r`);
    stdin.write(`${secret}y\u007f\r`);

    expect(await run).toBe(EXIT.ok);
    expect(backend.get(`${PREFIX}/box/client_id`)?.value).toBe(id);
    expect(backend.get(`${PREFIX}/box/client_secret`)?.value).toBe(secret);
    expect(stdin.rawModes).toEqual([true, false]);
    expect(c.err()).toContain('Client id: ');
    expect(c.err()).toContain('Client secret (hidden): ');
    expect(c.err()).toContain(id); // the id is echoed as typed; it is not a secret
    expectNoValues([c.out(), c.err(), ...logged], [secret]);
  });

  it('aborts on Ctrl-C at the prompt without writing', async () => {
    deployAll();
    const stdin = ttyStdin();
    const c = capture();
    const run = main(['set', 'box', '--stage', 'dev'], depsWith(c, store, { stdin }));
    stdin.write(`${clientIdFor('box')}\rsecr\u0003`);
    expect(await run).toBe(EXIT.aborted);
    expect(c.err()).toMatch(/aborted: nothing was written/);
    expect(stdin.rawModes).toEqual([true, false]);
    expect(puts()).toEqual([]);
  });

  it('sets the Stripe webhook signing secret (also as set-webhook-secret stripe)', async () => {
    deployAll();
    const first = webhookSecret();
    const c1 = capture();
    expect(
      await main(
        ['set', 'stripe-webhook', '--stage', 'dev'],
        depsWith(c1, store, { stdin: pipedStdin(`${first}\n`) }),
      ),
    ).toBe(EXIT.ok);
    expect(puts()).toEqual([{ SecretId: `${PREFIX}/stripe/webhook_secret`, SecretString: first }]);

    const second = webhookSecret();
    const c2 = capture();
    const env = { LISTBACKUP_WEBHOOK_SECRET: second };
    expect(await main(['set-webhook-secret', 'stripe', '--stage', 'dev'], depsWith(c2, store, { env }))).toBe(
      EXIT.ok,
    );
    expect(backend.get(`${PREFIX}/stripe/webhook_secret`)?.value).toBe(second);
    expectNoValues([...outputs(c1), ...outputs(c2)], [first, second]);
  });

  it('refuses a webhook secret of the wrong shape', async () => {
    deployAll();
    const wrong = clientSecret();
    const c = capture();
    expect(
      await main(
        ['set', 'stripe-webhook', '--stage', 'dev'],
        depsWith(c, store, { stdin: pipedStdin(wrong) }),
      ),
    ).toBe(EXIT.invalidInput);
    expect(c.err()).toMatch(/starts with whsec_/);
    expect(puts()).toEqual([]);
    expectNoValues(outputs(c), [wrong]);
  });

  it('does not write a value that is unchanged', async () => {
    deployAll();
    const id = clientIdFor('keap');
    const secret = clientSecret();
    backend.set(`${PREFIX}/keap/client_id`, { value: id, changed: new Date() });
    const c = capture();
    expect(
      await main(
        ['set', 'keap', '--stage', 'dev'],
        depsWith(c, store, { stdin: pipedStdin(`${id}\n${secret}\n`) }),
      ),
    ).toBe(EXIT.ok);
    expect(puts()).toEqual([{ SecretId: `${PREFIX}/keap/client_secret`, SecretString: secret }]);
    expect(c.out()).toMatch(/keap\s+app\/oauth\/keap\/client_id\s+unchanged/);
  });

  it('validates the documented client id shape before touching AWS', async () => {
    const secret = clientSecret();
    const c = capture();
    expect(
      await main(
        ['set', 'stripe', '--stage', 'dev'],
        depsWith(c, store, { stdin: pipedStdin(`pk_live_123\n${secret}\n`) }),
      ),
    ).toBe(EXIT.invalidInput);
    expect(c.err()).toMatch(
      /stripe clientId does not look like a Stripe Connect client id \(expected: starts with ca_\)/,
    );
    expect(sm.calls()).toHaveLength(0);
    expectNoValues(outputs(c), [secret, 'pk_live_123']);
  });

  it("refuses a Stripe key of the other mode than the stage's, and takes one of the same mode", async () => {
    deployAll();
    const id = clientIdFor('stripe');
    const live = `sk_live_${clientSecret()}`;
    const c = capture();
    expect(
      await main(
        ['set', 'stripe', '--stage', 'dev'],
        depsWith(c, store, { stdin: pipedStdin(`${id}\n${live}\n`) }),
      ),
    ).toBe(EXIT.invalidInput);
    expect(c.err()).toMatch(
      /stripe clientSecret is a live-mode key, but stage dev runs Stripe in test mode \(setting stripeMode/,
    );
    expect(sm.calls()).toHaveLength(0);
    expectNoValues(outputs(c), [live]);

    const test = `sk_test_${clientSecret()}`;
    expect(
      await main(
        ['set', 'stripe', '--stage', 'dev'],
        depsWith(capture(), store, { stdin: pipedStdin(`${id}\n${test}\n`) }),
      ),
    ).toBe(EXIT.ok);
    expect(backend.get(`${PREFIX}/stripe/client_secret`)?.value).toBe(test);
  });

  it('refuses a secret on the command line, pointing at shell history', async () => {
    const secret = clientSecret();
    const c = capture();
    expect(
      await main(['set', 'google', '--stage', 'dev', `--client-secret=${secret}`], depsWith(c, store)),
    ).toBe(EXIT.usage);
    expect(c.err()).toMatch(/--client-secret is refused: .*shell history/);
    expectNoValues(outputs(c), [secret]);
    expect(sm.calls()).toHaveLength(0);
  });

  it('refuses an unknown provider', async () => {
    const c = capture();
    expect(await main(['set', 'salesforce', '--stage', 'dev'], depsWith(c, store))).toBe(EXIT.usage);
    expect(c.err()).toMatch(/unknown provider \(not shown.*\): expected one of google, hubspot/);
    expect(c.err()).not.toContain('salesforce');
  });

  it('tells the operator to deploy first when the secrets do not exist, and writes nothing', async () => {
    const secret = clientSecret();
    const c = capture();
    const code = await main(
      ['set', 'google', '--stage', 'dev'],
      depsWith(c, store, { stdin: pipedStdin(`${clientIdFor('google')}\n${secret}\n`) }),
    );
    expect(code).toBe(EXIT.aws);
    expect(c.err()).toMatch(
      /secret\(s\) not found in us-west-2:\n {2}- app\/oauth\/google\/client_id\n {2}- app\/oauth\/google\/client_secret/,
    );
    expect(c.err()).toMatch(/deploy the stack for stage dev first \(npx cdk deploy -c stage=dev\)/);
    expect(c.err()).toMatch(/Nothing was written/);
    expect(puts()).toEqual([]);
    expectNoValues(outputs(c), [secret]);
  });

  it('tells the operator to create the secrets when the stage imports them (prod)', async () => {
    const c = capture();
    const code = await main(
      ['set', 'google', '--stage', 'prod'],
      depsWith(c, store, { stdin: pipedStdin(`${clientIdFor('google')}\n${clientSecret()}\n`) }),
    );
    expect(code).toBe(EXIT.aws);
    expect(c.err()).toMatch(
      /stage prod sets importClientSecrets: true.*\n {2}aws secretsmanager create-secret --region us-west-2 --name <name>/,
    );
  });

  it('names PutSecretValue and the secret when writing is denied', async () => {
    deployAll();
    sm.on(PutSecretValueCommand).rejects(accessDenied('PutSecretValue'));
    const secret = clientSecret();
    const c = capture();
    const code = await main(
      ['set', 'shopify', '--stage', 'dev'],
      depsWith(c, store, { stdin: pipedStdin(`${clientIdFor('shopify')}\n${secret}\n`) }),
    );
    expect(code).toBe(EXIT.aws);
    expect(c.err()).toMatch(
      /may not call secretsmanager:PutSecretValue on app\/oauth\/shopify\/client_id in us-west-2/,
    );
    expectNoValues(outputs(c), [secret]);
  });

  it('says how many secrets were written when a later write fails', async () => {
    deployAll();
    sm.on(PutSecretValueCommand, { SecretId: `${PREFIX}/quickbooks/client_secret` }).rejects(
      accessDenied('PutSecretValue'),
    );
    const secret = clientSecret();
    const c = capture();
    const code = await main(
      ['set', 'quickbooks', '--stage', 'dev'],
      depsWith(c, store, { stdin: pipedStdin(`${clientIdFor('quickbooks')}\n${secret}\n`) }),
    );
    expect(code).toBe(EXIT.aws);
    expect(c.err()).toMatch(/1 secret\(s\) were written before this failure/);
    expectNoValues(outputs(c), [secret]);
  });

  it('asks to restore a secret scheduled for deletion', async () => {
    deployAll();
    backend.set(`${PREFIX}/box/client_id`, { value: 'x', changed: new Date(), deleted: true });
    const c = capture();
    const code = await main(
      ['set', 'box', '--stage', 'dev'],
      depsWith(c, store, { stdin: pipedStdin(`${clientIdFor('box')}\n${clientSecret()}\n`) }),
    );
    expect(code).toBe(EXIT.aws);
    expect(c.err()).toMatch(
      /app\/oauth\/box\/client_id is scheduled for deletion: restore it first \(aws secretsmanager restore-secret/,
    );
  });
});

describe('import', () => {
  function fileOf(providers: readonly ProviderId[]) {
    const content: Record<string, Record<string, string>> = {};
    for (const id of providers) content[id] = { clientId: clientIdFor(id), clientSecret: clientSecret() };
    content['stripe-webhook'] = { webhookSecret: webhookSecret() };
    const values = Object.values(content).flatMap((v) => Object.values(v));
    return { text: JSON.stringify(content, null, 2), content, values };
  }

  it('writes every provider of the file', async () => {
    deployAll();
    const file = fileOf(PROVIDER_IDS);
    const c = capture();
    expect(
      await main(
        ['import', '--stage', 'dev', '--file', 'creds.json'],
        depsWith(c, store, { files: { 'creds.json': file.text } }),
      ),
    ).toBe(EXIT.ok);
    expect(puts()).toHaveLength(PROVIDER_IDS.length * 2 + 1);
    for (const id of PROVIDER_IDS)
      expect(backend.get(`${PREFIX}/${id}/client_secret`)?.value).toBe(file.content[id].clientSecret);
    expect(backend.get(`${PREFIX}/stripe/webhook_secret`)?.value).toBe(
      file.content['stripe-webhook'].webhookSecret,
    );
    expect(c.out().match(/version created/g)).toHaveLength(PROVIDER_IDS.length * 2 + 1);
    expectNoValues(
      outputs(c),
      file.values.filter((v) => !/^[a-z0-9]+$/.test(v)),
    );
  });

  it('--dry-run lists would-create and unchanged secrets by hash and writes nothing', async () => {
    deployAll();
    const file = fileOf(['google', 'box']);
    backend.set(`${PREFIX}/box/client_secret`, { value: file.content.box.clientSecret, changed: new Date() });
    const c = capture();
    const code = await main(
      ['import', '--stage', 'dev', '--file', 'f.json', '--dry-run'],
      depsWith(c, store, { files: { 'f.json': file.text } }),
    );
    expect(code).toBe(EXIT.ok);
    expect(puts()).toEqual([]);
    expect(c.out()).toMatch(/^Dry run for stage dev \(us-west-2\); nothing written\./);
    expect(c.out()).toMatch(/google\s+app\/oauth\/google\/client_id\s+would create version/);
    expect(c.out()).toMatch(/box\s+app\/oauth\/box\/client_secret\s+unchanged/);
    expect(c.out()).toMatch(/stripe-webhook\s+app\/oauth\/stripe\/webhook_secret\s+would create version/);
    expectNoValues(
      outputs(c),
      file.values.filter((v) => !/^[a-z0-9]+$/.test(v)),
    );
  });

  it('writes nothing when any entry is invalid, listing every problem', async () => {
    deployAll();
    const file = fileOf(['google', 'hubspot']);
    file.content.hubspot.clientId = 'not-a-uuid';
    file.content.google.clientSecret = 'has space inside';
    const c = capture();
    const code = await main(
      ['import', '--stage', 'dev', '--file', 'f.json'],
      depsWith(c, store, { files: { 'f.json': JSON.stringify(file.content) } }),
    );
    expect(code).toBe(EXIT.invalidInput);
    expect(c.err()).toMatch(/google clientSecret contains whitespace/);
    expect(c.err()).toMatch(/hubspot clientId does not look like a HubSpot client id/);
    expect(sm.calls()).toHaveLength(0);
    expectNoValues(
      outputs(c),
      [...file.values, 'has space inside', 'not-a-uuid'].filter(
        (v) => v.length > 8 && !/^[a-z0-9]+$/.test(v),
      ),
    );
  });

  it("writes nothing when the file's Stripe key is of the other mode than the stage's", async () => {
    deployAll();
    const file = fileOf(['google', 'stripe']);
    file.content.stripe.clientSecret = `rk_live_${clientSecret()}`;
    const c = capture();
    const code = await main(
      ['import', '--stage', 'staging', '--file', 'f.json'],
      depsWith(c, store, { files: { 'f.json': JSON.stringify(file.content) } }),
    );
    expect(code).toBe(EXIT.invalidInput);
    expect(c.err()).toMatch(
      /stripe clientSecret is a live-mode key, but stage staging runs Stripe in test mode/,
    );
    expect(sm.calls()).toHaveLength(0);
    expectNoValues(outputs(c), [file.content.stripe.clientSecret]);
  });

  it('writes nothing when any secret is missing', async () => {
    deployAll();
    backend.delete(`${PREFIX}/stripe/webhook_secret`);
    const file = fileOf(['google']);
    const c = capture();
    expect(
      await main(
        ['import', '--stage', 'dev', '--file', 'f.json'],
        depsWith(c, store, { files: { 'f.json': file.text } }),
      ),
    ).toBe(EXIT.aws);
    expect(c.err()).toMatch(/not found in us-west-2:\n {2}- app\/oauth\/stripe\/webhook_secret\n/);
    expect(puts()).toEqual([]);
  });

  it('reports a malformed file by position only', async () => {
    const secret = clientSecret();
    const c = capture();
    const text = `{"google": {"clientId": "1-a.apps.googleusercontent.com", "clientSecret": "${secret}",}}`;
    expect(
      await main(
        ['import', '--stage', 'dev', '--file', 'f.json'],
        depsWith(c, store, { files: { 'f.json': text } }),
      ),
    ).toBe(EXIT.invalidInput);
    expect(c.err()).toMatch(/^error: the import file is not valid JSON \(near character \d+\)\n$/);
    expectNoValues(outputs(c), [secret]);
  });

  it('reports an unreadable file and warns about one others can read', async () => {
    const c1 = capture();
    expect(await main(['import', '--stage', 'dev', '--file', 'nope.json'], depsWith(c1, store))).toBe(
      EXIT.invalidInput,
    );
    expect(c1.err()).toBe('error: cannot read nope.json: ENOENT\n');

    deployAll();
    const file = fileOf(['box']);
    const c2 = capture();
    expect(
      await main(
        ['import', '--stage', 'dev', '--file', 'f.json'],
        depsWith(c2, store, { files: { 'f.json': file.text }, mode: 0o644 }),
      ),
    ).toBe(EXIT.ok);
    expect(c2.err()).toMatch(/warning: f\.json is readable by other users/);
  });

  it('names the failing call for an unexpected AWS error', async () => {
    deployAll();
    sm.on(GetSecretValueCommand).rejects(
      Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }),
    );
    const file = fileOf(['box']);
    const c = capture();
    expect(
      await main(
        ['import', '--stage', 'dev', '--file', 'f.json'],
        depsWith(c, store, { files: { 'f.json': file.text } }),
      ),
    ).toBe(EXIT.aws);
    expect(c.err()).toMatch(
      /secretsmanager:GetSecretValue on app\/oauth\/\S+ failed: ThrottlingException: Rate exceeded/,
    );
  });
});

describe('help', () => {
  it('prints usage with the exit codes', async () => {
    const c = capture();
    expect(await main(['--help'], depsWith(c, store))).toBe(EXIT.ok);
    expect(c.out()).toMatch(/Usage: npm run credentials -- <subcommand>/);
    expect(c.out()).toMatch(/Exit codes: 0 ok, 1 not ready/);
  });
});
