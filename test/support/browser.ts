/**
 * Real Chromium for the web pages' tests: Debian's /usr/bin/chromium driven by playwright-core.
 * Where it is not installed, the tests are skipped — and recorded, so the run ends with one line
 * naming them and how to install it (test/support/skipped.ts). `.ci/run` installs it.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import { recordSkipped } from './skipped.js';

/** Debian's Chromium; SLOTCAST_CHROMIUM names another binary (or a missing one, to see the skip line). */
export const CHROMIUM = process.env.SLOTCAST_CHROMIUM ?? '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);
const MISSING = { what: CHROMIUM, install: 'apt-get install -y chromium' };

/** Where screenshots go (gitignored). */
export const ARTIFACTS = join(process.cwd(), 'test-artifacts');

export const VIEWPORTS = {
  phone: { width: 390, height: 844 },
  desktop: { width: 1280, height: 800 },
} as const;

/** A test that needs Chromium: run, or skipped and recorded. */
export function browserTest(name: string, fn: () => Promise<void>, timeoutMs = 60_000): void {
  if (hasChromium) {
    test(name, fn, timeoutMs);
    return;
  }
  recordSkipped(MISSING, `${basename(expect.getState().testPath ?? 'unknown')}: ${name}`);
  test.skip(name, fn);
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      // As root (containers, CI) Chromium refuses its sandbox.
      ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []),
      // The player starts by itself when the stream goes live; muted autoplay needs no gesture,
      // this lets the tests also check the sound controls.
      '--autoplay-policy=no-user-gesture-required',
      '--disable-dev-shm-usage',
    ],
  });
}

/** A fresh context (its own cookies), phone-sized or desktop; en-GB in Europe/Berlin unless told otherwise. */
export function newContext(
  browser: Browser,
  size: keyof typeof VIEWPORTS = 'desktop',
  options: { locale?: string; timezoneId?: string; javaScriptEnabled?: boolean } = {},
): Promise<BrowserContext> {
  return browser.newContext({ viewport: VIEWPORTS[size], locale: 'en-GB', timezoneId: 'Europe/Berlin', ...options });
}

/** Saves the page at phone and desktop sizes as test-artifacts/<name>-phone.png and -desktop.png. */
export async function screenshots(page: Page, name: string): Promise<string[]> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const original = page.viewportSize();
  const files: string[] = [];
  for (const [size, viewport] of Object.entries(VIEWPORTS)) {
    await page.setViewportSize(viewport);
    const file = join(ARTIFACTS, `${name}-${size}.png`);
    await page.screenshot({ path: file, fullPage: true });
    files.push(file);
  }
  if (original) await page.setViewportSize(original);
  return files;
}
