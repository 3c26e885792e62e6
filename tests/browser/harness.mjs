// harness.mjs - what a browser test needs around playwright-core: Debian's
// chromium launched headless, a fresh page that collects script errors, the
// login form filled in, and screenshots under tests/out/screenshots/.
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { DEMO_PASSWORD, ROOT } from '../api/helpers.mjs';

const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const SHOTS = path.join(ROOT, 'tests', 'out', 'screenshots');

export function launchBrowser() {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-gpu'],
  });
}

// newPage opens a page in a fresh context (empty cache and cookies); page.errors collects script errors.
export async function newPage(browser, { locale = 'en-US', viewport = { width: 1280, height: 900 } } = {}) {
  const context = await browser.newContext({ locale, viewport });
  const page = await context.newPage();
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(e.message));
  return page;
}

export async function login(page, base, username, password = DEMO_PASSWORD) {
  await page.goto(base + '/');
  await page.locator('form.login-form input[name=username]').fill(username);
  await page.locator('form.login-form input[name=password]').fill(password);
  await page.locator('form.login-form button[type=submit]').click();
  await page.locator('header.top').waitFor();
}

export async function shot(page, name, { fullPage = true } = {}) {
  fs.mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage });
}
