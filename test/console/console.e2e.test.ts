// The console in a real browser against the real server process on a fresh SQLite database: sign in, write a Python
// executor and test its draft, see an error's line, save, change, diff, roll back, use a secret, and a viewer's read-only
// pages. Any console error or failed request fails the walk; axe finds no serious or critical violation on the main pages.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import { axeViolations, CONSOLE_DIST, launchBrowser, screenshot, setEditorText, watchProblems } from './browser.js';

const TOKEN = 'otr_console_e2e_admin_token_0123456789';
const GREET_V1 = 'def handler(input, ctx):\n    ctx.log("hello " + input["who"])\n    return {"greeting": "Hello, " + input["who"]}\n';
const BROKEN = 'def handler(input, ctx):\n    ctx.log("about to fail")\n    raise ValueError("no greeting today")\n';
const GREET_V2 = 'def handler(input, ctx):\n    key = ctx.secret("greeting_key")\n    ctx.log("key has " + str(len(key)) + " characters")\n    return {"greeting": "Hi, " + input["who"], "keyLength": len(key)}\n';
const INPUT_SCHEMA = '{"type": "object", "required": ["who"], "properties": {"who": {"type": "string"}}}';

describe('web console in chromium', () => {
  let server: ServerProcess;
  let browser: Browser;
  let page: Page;
  let problems: string[];

  beforeAll(async () => {
    if (!fs.existsSync(path.join(CONSOLE_DIST, 'index.html'))) throw new Error('console not built: npm run build (npm test builds it before vitest)');
    server = await startServerProcess(TOKEN);
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    problems = watchProblems(page);
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  async function run(expected: RegExp) {
    await page.getByRole('button', { name: 'Run test' }).click();
    await page.getByTestId('result').filter({ hasText: expected }).waitFor();
  }

  it('signs in with a token and shows workspace and role; the empty list says so', async () => {
    await page.goto(server.url + '/');
    expect(await axeViolations(page)).toEqual([]);
    await screenshot(page, 'sign-in');
    await page.getByLabel('API token').fill(TOKEN);
    const started = Date.now();
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('No executors yet.').waitFor();
    console.log(`executors page rendered ${Date.now() - started} ms after sign-in`);
    expect(await page.getByTestId('who').textContent()).toMatch(/default.*admin/);
    expect(await axeViolations(page)).toEqual([]);
  });

  it('writes a Python executor, validates the input against its schema as typed, and tests the unsaved draft', async () => {
    await page.getByRole('link', { name: 'New executor' }).click();
    await page.locator('input[name="name"]').fill('greet');
    await setEditorText(page, 'source', GREET_V1);
    await setEditorText(page, 'input schema', INPUT_SCHEMA);
    await page.getByTestId('input-problems').filter({ hasText: 'missing required property "who"' }).waitFor();
    expect(await page.getByRole('button', { name: 'Run test' }).isDisabled()).toBe(true);
    await setEditorText(page, 'test input', '{"who": 7}');
    await page.getByTestId('input-problems').filter({ hasText: 'must be string' }).waitFor();
    await setEditorText(page, 'test input', '{"who": "Ada"}');
    await page.getByTestId('input-ok').waitFor();
    await run(/ok/);
    expect(await page.getByTestId('output').textContent()).toContain('Hello, Ada');
    expect(await page.getByTestId('logs').textContent()).toContain('hello Ada');
    expect(await page.getByTestId('result').textContent()).toMatch(/\d+ ms · (cold start|warm)/);
    expect(await axeViolations(page)).toEqual([]);
    await screenshot(page, 'executor-test-run');
  });

  it('shows a broken draft\'s error with its line and jumps there', async () => {
    await setEditorText(page, 'source', BROKEN);
    await run(/error/);
    expect(await page.getByTestId('run-error').textContent()).toContain('no greeting today');
    expect(await page.getByTestId('logs').textContent()).toContain('about to fail');
    await page.getByRole('button', { name: 'Go to line 3' }).click();
    await page.locator('.cm-activeLine', { hasText: 'raise ValueError' }).waitFor();
    await screenshot(page, 'executor-error-line');
  });

  it('saves with a message, changes it, diffs the versions and rolls back', async () => {
    await setEditorText(page, 'source', GREET_V1);
    await page.locator('input[name="message"]').fill('first greeting');
    await page.getByRole('button', { name: 'Create' }).click();
    await page.waitForURL(/\/executors\/greet$/);
    await page.getByTestId('versions').filter({ hasText: 'first greeting' }).waitFor();

    // A secret the next version reads.
    await page.getByRole('link', { name: 'Secrets' }).click();
    await page.getByText('No secrets yet.').waitFor();
    await page.locator('input[name="secret-name"]').fill('greeting_key');
    await page.locator('input[name="secret-value"]').fill('s3cr3t-value');
    await page.getByRole('button', { name: 'Set secret' }).click();
    await page.getByTestId('secrets').filter({ hasText: 'greeting_key' }).waitFor();
    expect(await page.content()).not.toContain('s3cr3t-value');
    expect(await axeViolations(page)).toEqual([]);
    await screenshot(page, 'secrets');

    await page.getByRole('link', { name: 'Executors' }).click();
    await page.getByRole('link', { name: 'greet' }).click();
    await page.getByTestId('versions').waitFor();
    await setEditorText(page, 'source', GREET_V2);
    await setEditorText(page, 'test input', '{"who": "Bo"}');
    await run(/ok/);
    expect(await page.getByTestId('output').textContent()).toContain('"keyLength": 12');
    expect(await page.getByTestId('logs').textContent()).toContain('key has 12 characters');
    await page.locator('input[name="message"]').fill('uses the secret');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByTestId('versions').filter({ hasText: 'v2 (active)' }).waitFor();

    await page.getByRole('button', { name: 'Diff v1' }).click();
    const diff = page.getByRole('table', { name: /diff of v1 and v2/ });
    await diff.waitFor();
    expect(await diff.locator('td.del').first().textContent()).toContain('ctx.log("hello "');
    expect(await diff.locator('td.ins').first().textContent()).toContain('ctx.secret("greeting_key")');
    await screenshot(page, 'executor-versions-diff');

    await page.getByRole('button', { name: 'Roll back to v1' }).click();
    await page.getByTestId('versions').filter({ hasText: 'v1 (active)' }).waitFor();
    const active = await server.api('GET', '/api/executors/greet');
    expect(active.body.activeVersion).toBe(1);
    await page.getByRole('link', { name: 'Executors' }).click();
    await page.getByTestId('executors-table').filter({ hasText: 'python' }).waitFor();
    await screenshot(page, 'executors');
  });

  it('lists the executions, filtered, with one execution\'s input, output and logs', async () => {
    await page.getByRole('link', { name: 'Executions' }).click();
    await page.getByTestId('executions').waitFor();
    await page.getByLabel('Status').selectOption('error');
    await page.getByTestId('executions').filter({ hasText: 'error' }).filter({ hasNotText: /\bok\b/ }).waitFor();
    await page.getByLabel('Status').selectOption('ok');
    await page.getByTestId('executions').filter({ hasNotText: 'error' }).waitFor();
    await page.getByTestId('executions').getByRole('link').first().click();
    const detail = page.getByTestId('execution');
    await detail.filter({ hasText: 'key has 12 characters' }).waitFor();
    expect(await detail.textContent()).toContain('"keyLength": 12');
    expect(await detail.textContent()).not.toContain('s3cr3t-value');
    expect(await axeViolations(page)).toEqual([]);
    await screenshot(page, 'execution');
  });

  it('a viewer token sees read-only pages without edit controls', async () => {
    const t = await server.api('POST', '/api/tokens', { name: 'looker', role: 'viewer' });
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('API token').fill(t.body.token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('link', { name: 'Executors' }).click();
    await page.getByTestId('executors-table').waitFor();
    expect(await page.getByTestId('who').textContent()).toContain('viewer');
    expect(await page.getByRole('link', { name: 'New executor' }).count()).toBe(0);
    await page.getByRole('link', { name: 'greet' }).click();
    await page.getByTestId('versions').filter({ hasText: 'v1 (active)' }).waitFor();
    expect(await page.getByRole('button').allTextContents()).toEqual(expect.not.arrayContaining(['Save', 'Run test', 'Roll back to v2']));
    expect(await page.locator('.cm-content[aria-label="source"]').getAttribute('contenteditable')).toBe('false');
    await page.getByRole('link', { name: 'Secrets' }).click();
    await page.getByTestId('secrets').waitFor();
    expect(await page.getByRole('button', { name: /Set secret|Delete/ }).count()).toBe(0);
  });

  it('had no console error or failed request during the walk', () => {
    expect(problems).toEqual([]);
  });
});
