// Where the browser tests find Debian's Chromium, and whether they may skip without it: on a developer's machine
// they skip with a warning; in CI (CI set) they run and fail, since a green run without them would prove nothing.
import fs from 'node:fs';

export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const inCi = !!process.env.CI && !/^(0|false)$/i.test(process.env.CI);

/** true when Chromium is absent and this is not CI: the caller's `describe.skipIf(noChromium)` skips its tests. */
export const noChromium = !fs.existsSync(CHROMIUM) && !inCi;

if (noChromium) console.warn(`Chromium not found at ${CHROMIUM}; browser tests skipped — apt-get install chromium`);

/** Fails loudly when Chromium is absent (in CI, where nothing skips). */
export function assertChromium(): void {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM}; install Debian's package: apt-get update && apt-get install -y chromium`,
    );
  }
}
