// Finds Debian's chromium for playwright-core (nothing downloads a browser). Under CI=true a missing
// browser fails the run; elsewhere the browser suites skip with the reason printed.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type ConsoleMessage, type Page } from 'playwright-core';

export const CI = process.env.CI === 'true' || process.env.CI === '1';
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const SCREENSHOT_DIR = path.join(REPO_ROOT, 'test-results', 'screenshots');

const CANDIDATES = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter((p): p is string => Boolean(p));

export function chromiumPath(): string | undefined {
  const found = CANDIDATES.find((p) => existsSync(p));
  if (found) return found;
  const reason = `chromium not found (looked at ${CANDIDATES.join(', ')}); install it with apt-get install -y chromium (npm test does it when it can)`;
  if (CI) throw new Error(`CI=true: ${reason}`);
  console.warn(`[e2e] ${reason}: browser suites are skipped`);
  return undefined;
}

/** The built artefacts the browser tests load; missing ones mean `npm run build` has not run. */
export function missingBuilds(): string[] {
  return ['plugin-app/dist/module.js', 'plugin-datasource/dist/module.js', 'preview/dist/host.js'].filter(
    (f) => !existsSync(path.join(REPO_ROOT, f)),
  );
}

export async function launch(executablePath: string): Promise<Browser> {
  return chromium.launch({
    executablePath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
}

/** Console errors, uncaught page errors and failed requests seen by a page. */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${String(e)}`));
  page.on('console', (m: ConsoleMessage) => {
    if (m.type() === 'error') errors.push(`console.error: ${m.text()} @ ${m.location().url}`);
  });
  page.on('requestfailed', (r) => {
    const why = r.failure()?.errorText ?? '';
    // Aborted requests are the page's own doing (a pending long-poll when the page closes), not failures.
    if (!r.url().includes('/public/fonts/') && !why.includes('ERR_ABORTED')) errors.push(`requestfailed: ${r.url()} ${why}`);
  });
  return errors;
}
