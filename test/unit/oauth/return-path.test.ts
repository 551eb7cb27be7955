// returnPath: relative paths inside the app pass, anything that could leave the app's origin fails.
import { isSafeReturnPath, outcomeParameterIn } from '../../../lambda/oauth/return-path';
import { appRedirect } from '../../../lambda/shared/urls';

describe('isSafeReturnPath', () => {
  it.each([
    '/',
    '/sources',
    '/a/b?x=1#y',
    '/integrations/new?source=google&tab=2',
    '/s/%20name',
    `/${'a'.repeat(511)}`,
  ])('accepts %p', (path) => {
    expect(isSafeReturnPath(path)).toBe(true);
  });

  it.each([
    ['protocol-relative', '//evil.example'],
    ['protocol-relative with path', '//evil.example/sources'],
    ['backslash after slash', '/\\evil.example'],
    ['backslash later', '/a\\b'],
    ['absolute https', 'https://evil.example'],
    ['absolute http', 'http://evil.example/sources'],
    ['javascript scheme', 'javascript:alert(1)'],
    ['data scheme', 'data:text/html,hi'],
    ['encoded double slash without leading slash', '%2F%2Fevil.example'],
    ['encoded double slash after slash', '/%2F%2Fevil.example'],
    ['encoded single slash making //', '/%2Fevil.example'],
    ['encoded backslash', '/%5Cevil.example'],
    ['encoded control character', '/a%0d%0aSet-Cookie:x'],
    ['encoded NUL', '/a%00'],
    ['malformed escape', '/a%E0%A4%A'],
    ['control character', '/a\u0007b'],
    ['DEL', '/a\u007f'],
    ['space', '/a b'],
    ['tab', '/a\tb'],
    ['tab between slashes', '/\t/evil.example'],
    ['newline', '/a\nb'],
    ['carriage return', '/a\rb'],
    ['empty', ''],
    ['relative without slash', 'sources'],
    ['dot relative', './sources'],
    ['double slash inside', '/a//b'],
    ['non-ASCII', '/ünïcode'],
    ['too long', `/${'a'.repeat(512)}`],
  ])('rejects %s', (_label, path) => {
    expect(isSafeReturnPath(path)).toBe(false);
  });

  it.each([undefined, null, 42, {}, ['/sources']])('rejects the non-string %p', (value) => {
    expect(isSafeReturnPath(value)).toBe(false);
  });
});

describe('outcome parameters', () => {
  it.each([
    ['/sources?status=connected', 'status'],
    ['/sources?tab=1&Provider=x', 'provider'],
    ['/sources?completion=abc', 'completion'],
    ['/sources?err%6Fr=x', 'error'],
  ])('finds the callback parameter that %p already sets', (path, name) => {
    expect(outcomeParameterIn(path)).toBe(name);
  });

  it('finds none in a path whose query only has the app own parameters', () => {
    expect(outcomeParameterIn('/sources?tab=1&statuses=a#status=x')).toBeUndefined();
  });

  it('a redirect carries only the outcome it was given, whatever an older returnPath held', () => {
    const url = new URL(
      appRedirect('https://app.example', '/sources?completion=planted&status=connected&tab=1', {
        status: 'error',
        error: 'access_denied',
      }),
    );
    expect(url.searchParams.getAll('status')).toEqual(['error']);
    expect(url.searchParams.has('completion')).toBe(false);
    expect(url.searchParams.get('tab')).toBe('1');
  });
});
