// The browser tests' Chromium finder: the environment variable first, then the usual paths, else how to install.
import { CHROMIUM_PATHS, findChromium } from '../support/chromium';

const only =
  (...paths: string[]) =>
  (p: string) =>
    paths.includes(p);

describe('findChromium', () => {
  it('takes CHROMIUM_PATH first, when it exists', () => {
    expect(
      findChromium({ CHROMIUM_PATH: '/opt/chrome/chrome' }, only('/opt/chrome/chrome', '/usr/bin/chromium')),
    ).toBe('/opt/chrome/chrome');
  });

  it('refuses a CHROMIUM_PATH that points nowhere instead of silently using another browser', () => {
    expect(() => findChromium({ CHROMIUM_PATH: '/nope' }, only('/usr/bin/chromium'))).toThrow(
      /^CHROMIUM_PATH is \/nope, which does not exist\. Chromium not found: install it/,
    );
  });

  it.each([
    ['Debian', '/usr/lib/chromium/chromium'],
    ['Ubuntu snap', '/snap/bin/chromium'],
    ['macOS', '/Applications/Chromium.app/Contents/MacOS/Chromium'],
    ['macOS Chrome', '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome'],
  ])('finds the %s install', (_, path) => {
    expect(CHROMIUM_PATHS).toContain(path);
    expect(findChromium({}, only(path))).toBe(path);
  });

  it('prefers the Debian binary over its wrapper script', () => {
    expect(findChromium({}, only('/usr/bin/chromium', '/usr/lib/chromium/chromium'))).toBe(
      '/usr/lib/chromium/chromium',
    );
  });

  it('says how to install it when there is none', () => {
    expect(() => findChromium({}, () => false)).toThrow(
      /^Chromium not found: install it \(Debian\/Ubuntu: apt-get install -y chromium; macOS: brew install --cask chromium\), or set CHROMIUM_PATH/,
    );
  });
});
