// The HTTP handler wrapper and the stage's resources: one log vocabulary, answers through one finish, names resolved once.
import { ServiceError } from '../../lambda/shared/errors';
import type { HttpEvent, HttpResult } from '../../lambda/shared/http';
import { httpHandler } from '../../lambda/shared/http-handler';
import { logger } from '../../lambda/shared/logger';
import { resources } from '../../lambda/shared/resources';
import { captureOutput } from '../support/capture';

const event = { pathParameters: { provider: 'box' } } as unknown as HttpEvent;
const tagged = (_event: HttpEvent, result: HttpResult): HttpResult => ({
  ...result,
  headers: { ...result.headers, 'x-finished': 'yes' },
});

async function run(
  flow: Parameters<typeof httpHandler>[0],
  body: Parameters<typeof httpHandler>[1],
): Promise<{ result: HttpResult; lines: Record<string, unknown>[] }> {
  const capture = captureOutput();
  try {
    const result = await httpHandler(flow, body)(event);
    return {
      result,
      lines: capture
        .text()
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l)),
    };
  } finally {
    capture.restore();
  }
}

describe('httpHandler', () => {
  it('an expected refusal: warning `<name> refused` with its code and the ids the flow appended', async () => {
    const { result, lines } = await run({ name: 'thing', finish: tagged }, async () => {
      logger.appendKeys({ provider: 'box', accountId: 'acc_1' });
      throw new ServiceError('forbidden', 'not yours');
    });
    expect(result.statusCode).toBe(403);
    expect(JSON.parse(result.body as string)).toEqual({ error: 'forbidden', message: 'not yours' });
    expect(result.headers['x-finished']).toBe('yes');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 'WARN',
      message: 'thing refused',
      error: 'forbidden',
      provider: 'box',
      accountId: 'acc_1',
    });
    expect(lines[0]).not.toHaveProperty('cause');
  });

  it('an unexpected error: error `<name> failed`, internal_error, cause and detail; a 500 without internals', async () => {
    const failed: string[] = [];
    const { result, lines } = await run(
      { name: 'thing', failed: (_e, code) => failed.push(code) },
      async () => {
        throw Object.assign(new Error('the table is gone'), { name: 'ResourceNotFoundException' });
      },
    );
    expect(result.statusCode).toBe(500);
    expect(result.body).not.toContain('table');
    expect(lines[0]).toMatchObject({
      level: 'ERROR',
      message: 'thing failed',
      error: 'internal_error',
      cause: 'ResourceNotFoundException',
      detail: 'the table is gone',
    });
    expect(failed).toEqual(['internal_error']);
  });

  it('keys appended in one invocation are gone in the next', async () => {
    await run({ name: 'thing' }, async () => {
      logger.appendKeys({ accountId: 'acc_first' });
      throw new ServiceError('forbidden', 'no');
    });
    const { lines } = await run({ name: 'thing' }, async () => {
      throw new ServiceError('forbidden', 'no');
    });
    expect(lines[0]).not.toHaveProperty('accountId');
  });

  it('a custom answer sees what the flow learned before it failed; success passes through finish', async () => {
    const { result } = await run(
      {
        name: 'thing',
        answer: (_e, _error, code, known) => ({
          statusCode: 302,
          headers: { location: `${known.to}?e=${code}` },
        }),
      },
      async (_e, known) => {
        known.to = '/back';
        throw new ServiceError('invalid_state', 'unknown state');
      },
    );
    expect(result.headers.location).toBe('/back?e=invalid_state');
    const ok = await run({ name: 'thing', finish: tagged }, async () => ({ statusCode: 200, headers: {} }));
    expect(ok.result).toEqual({ statusCode: 200, headers: { 'x-finished': 'yes' } });
    expect(ok.lines).toEqual([]);
  });
});

describe('resources', () => {
  it('resolves every table under the prefix and the vault on the tokens table, once', () => {
    const stage = resources({ ...process.env, TABLE_PREFIX: 'lbx', FORCED_REFRESH_MINUTES: '7' });
    expect(stage.tables).toEqual({
      states: 'lbx-oauth-states',
      tokens: 'lbx-oauth-tokens',
      userAccounts: 'lbx-user-accounts',
      sources: 'lbx-sources',
      connections: 'lbx-platform-connections',
      activity: 'lbx-activity',
    });
    expect(stage.vaultSettings).toMatchObject({ table: 'lbx-oauth-tokens', stage: stage.stage });
    expect(stage.forcedRefreshIntervalMs).toBe(7 * 60_000);
  });

  it('fails fast naming a missing variable', () => {
    expect(() => resources({ ...process.env, EVENT_BUS_NAME: '' })).toThrow('EVENT_BUS_NAME is not set');
  });
});
