import fs from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

// Debian's Chromium, started the way this machine needs (no sandbox as root, no background
// networking on a closed network). Browser tests skip, with a message, where it is missing.

export const CHROME_PATH = process.env.CHROME_PATH || '/usr/bin/chromium';
export const CHROME_FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

/** false when Chromium is there; otherwise the reason to skip, already printed. */
export function skipWithoutChromium(what: string): string | false {
  if (fs.existsSync(CHROME_PATH)) return false;
  const reason = `no Chromium at ${CHROME_PATH} (apt-get install chromium, or set CHROME_PATH): ${what} skipped`;
  process.stdout.write(`# ${reason}\n`);
  return reason;
}

/** Chromium with those flags; playwright-core gives it a fresh temporary profile and removes it on close. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROME_PATH, args: CHROME_FLAGS });
}
