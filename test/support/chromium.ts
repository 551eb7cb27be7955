// Finds the Chromium the browser tests drive: CHROMIUM_PATH, then the usual Linux and macOS install paths.
import { existsSync } from 'node:fs';

/** Where Chromium (or Chrome) usually lives, in the order tried after CHROMIUM_PATH. */
export const CHROMIUM_PATHS: readonly string[] = [
  // Debian/Ubuntu: /usr/bin/chromium is a wrapper script around this binary.
  '/usr/lib/chromium/chromium',
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/snap/bin/chromium',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
];

/** How to get a browser onto this machine, said when none is found. */
export const INSTALL_HINT =
  'Chromium not found: install it (Debian/Ubuntu: apt-get install -y chromium; macOS: brew install --cask chromium), ' +
  'or set CHROMIUM_PATH to a Chromium or Chrome binary. Never npx playwright install: the tests drive the system browser.';

/**
 * The browser binary to launch: CHROMIUM_PATH when set (an error if it points nowhere), else the first usual path
 * that exists; throws with INSTALL_HINT when there is none.
 * @example chromium.launch({ executablePath: findChromium() })
 */
export function findChromium(
  env: NodeJS.ProcessEnv = process.env,
  exists: (path: string) => boolean = existsSync,
): string {
  const configured = env.CHROMIUM_PATH;
  if (configured) {
    if (exists(configured)) return configured;
    throw new Error(`CHROMIUM_PATH is ${configured}, which does not exist. ${INSTALL_HINT}`);
  }
  const found = CHROMIUM_PATHS.find((path) => exists(path));
  if (!found) throw new Error(INSTALL_HINT);
  return found;
}
