import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { build } from 'vite';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Screenshots of each screen (gitignored). */
export const SCREENSHOTS = fileURLToPath(new URL('../../test-results/', import.meta.url));

/** Builds web/dist as `npm run build:web` does, so the test runs the page the runtime serves. */
export async function buildWebConsole(): Promise<void> {
  await build({ root: fileURLToPath(new URL('../../web/', import.meta.url)), logLevel: 'warn', configFile: fileURLToPath(new URL('../../web/vite.config.ts', import.meta.url)) });
}

/** Debian's Chromium, headless, with nothing that reaches out to the Internet this machine does not have. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []),
      '--disable-gpu',
      '--disable-quic',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}
