// The console's operations pages in chromium against the real server process on a fresh SQLite database: a ticket
// created in the console fires an event hook whose delivery shows in the event trace; a hook whose executor throws
// dead-letters after its one attempt and is replayed from the console, singly and in bulk (by hook and time range);
// the dashboard, storage browser and tokens; a viewer sees no edit controls. Any console error or failed request fails
// the walk; axe finds no serious or critical violation on the dashboard, event trace and tickets.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import { waitFor } from '../helpers/wait.js';
import { axeViolations, CONSOLE_DIST, launchBrowser, screenshot, watchProblems } from './browser.js';

const TOKEN = 'otr_console_ops_e2e_admin_token_01234567';
const NOTIFY = 'def handler(input, ctx):\n    ctx.log("event " + input["type"] + " about " + str(input["subject"]))\n    return {"seen": input["type"]}\n';
const THROWS = 'def handler(input, ctx):\n    raise RuntimeError("the order system is down")\n';
const FIXED = 'def handler(input, ctx):\n    return {"handled": input["id"]}\n';
const code = (name: string, source: string) => ({ name, type: 'code', timeoutMs: 10_000, code: { language: 'python', source } });

/** A date-time in the datetime-local format, in the local time zone (the browser runs in the same one). */
function localInput(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

describe('console operations pages in chromium', () => {
  let server: ServerProcess;
  let browser: Browser;
  let page: Page;
  let problems: string[];
  let viewerToken = '';

  /** A link of the main navigation (page links may carry the same words). */
  const nav = (name: string) => page.getByRole('navigation', { name: 'main' }).getByRole('link', { name, exact: true });

  async function api(method: string, url: string, body?: unknown) {
    const r = await server.api(method, url, body);
    if (r.status >= 300) throw new Error(`${method} ${url}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  }
  async function deadOf(hook: string): Promise<{ id: string; eventId: string }[]> {
    return (await api('GET', `/api/dead-letters?hook=${hook}`)).items;
  }

  beforeAll(async () => {
    if (!fs.existsSync(path.join(CONSOLE_DIST, 'index.html'))) throw new Error('console not built: npm run build (npm test builds it before vitest)');
    server = await startServerProcess(TOKEN);
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.setDefaultTimeout(20_000);
    problems = watchProblems(page);
    // Records when the executors page first shows its table or its empty state (time to first render).
    await page.addInitScript(() => {
      const w = window as unknown as { __executorsRenderedAt?: number };
      new MutationObserver((_m, obs) => {
        if (document.querySelector('[data-testid="executors-table"], .empty')) {
          w.__executorsRenderedAt = performance.now();
          obs.disconnect();
        }
      }).observe(document, { childList: true, subtree: true });
    });
    await api('POST', '/api/executors', code('notify', NOTIFY));
    await api('POST', '/api/executors', code('explode', THROWS));
    await api('POST', '/api/executors', code('always_fails', THROWS));
    await api('POST', '/api/event-hooks', { name: 'on_ticket', eventTypes: ['TicketCreated', 'TicketClosed'], executor: 'notify' });
    await api('POST', '/api/event-hooks', { name: 'orders', eventTypes: ['custom.order.*'], executor: 'explode', retry: { attempts: 1 } });
    await api('POST', '/api/event-hooks', { name: 'audit', eventTypes: ['custom.order.*'], executor: 'always_fails', retry: { attempts: 1 } });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('signs in; the executors page renders first and its time is measured', async () => {
    await page.goto(server.url + '/');
    await page.getByLabel('API token').fill(TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('executors-table').waitFor();
    // A fresh load of the executors page with the session kept: navigation start to the first rendered table.
    await page.reload();
    await page.getByTestId('executors-table').waitFor();
    const t = await page.evaluate(() => {
      const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
      return { rendered: (window as unknown as { __executorsRenderedAt?: number }).__executorsRenderedAt, domContentLoaded: nav.domContentLoadedEventEnd };
    });
    expect(t.rendered).toBeGreaterThan(0);
    console.log(`executors page: first render ${t.rendered!.toFixed(0)} ms after navigation start (DOMContentLoaded ${t.domContentLoaded.toFixed(0)} ms)`);
  });

  it('creates a ticket in the console and sees the hook delivery it caused, down to the execution', async () => {
    await nav('Tickets').click();
    await page.getByText('No tickets yet.').waitFor();
    expect(await axeViolations(page)).toEqual([]);
    await page.locator('input[name="ticket-subject"]').fill('Meter reading is wrong');
    await page.locator('select[name="ticket-channel"]').selectOption('email');
    await page.locator('input[name="ticket-from"]').fill('ada@example.com');
    await page.locator('textarea[name="ticket-body"]').fill('My reading was 1234, not 4321.');
    await page.getByRole('button', { name: 'Create ticket' }).click();
    await page.waitForURL(/\/tickets\/tkt/);
    const ticketId = page.url().split('/').pop()!;
    const events = page.getByTestId('ticket-events');
    const eventItem = (type: string) => events.locator('li').filter({ has: page.getByRole('link', { name: type, exact: true }) });
    await eventItem('TicketCreated').filter({ hasText: '1 succeeded' }).waitFor();

    await page.locator('textarea[name="reply-body"]').fill('Thanks, we corrected it.');
    await page.getByRole('button', { name: 'Send reply' }).click();
    await page.getByTestId('ticket').filter({ hasText: 'Thanks, we corrected it.' }).waitFor();
    await page.locator('select[name="ticket-status"]').selectOption('closed');
    await page.getByTestId('ticket-status').filter({ hasText: 'closed' }).waitFor();
    await eventItem('TicketClosed').filter({ hasText: '1 succeeded' }).waitFor();
    expect(await events.textContent()).toContain('TicketResponse');
    expect(await axeViolations(page)).toEqual([]);
    await screenshot(page, 'ticket');

    await events.getByRole('link', { name: 'TicketCreated' }).click();
    const delivery = page.getByTestId('delivery-on_ticket');
    await delivery.filter({ hasText: 'succeeded' }).waitFor();
    expect(await delivery.textContent()).toMatch(/attempt 1: ok · \d+ ms/);
    expect(await axeViolations(page)).toEqual([]);
    await screenshot(page, 'event-trace');
    await delivery.getByRole('link', { name: /execution/ }).click();
    await page.getByTestId('execution').filter({ hasText: `event TicketCreated about ${ticketId}` }).waitFor();

    await nav('Events').click();
    await page.getByTestId('events').filter({ hasText: 'TicketClosed' }).waitFor();
    await page.getByLabel('Type').fill('TicketCreated');
    await page.getByTestId('events').filter({ hasNotText: 'TicketClosed' }).filter({ hasText: 'TicketCreated' }).waitFor();
    expect(await axeViolations(page)).toEqual([]);
    await screenshot(page, 'events');

    // Pages of 100, older by the server's cursor.
    await api('POST', '/api/events/batch', { events: Array.from({ length: 120 }, (_, i) => ({ type: 'custom.bulk', subject: `n:${i}`, data: {} })) });
    await page.getByLabel('Type').fill('custom.bulk');
    const rows = page.getByTestId('events').locator('tbody tr');
    await rows.nth(99).waitFor();
    expect(await rows.count()).toBe(100);
    expect(await rows.first().textContent()).toContain('n:119');
    await page.getByRole('button', { name: 'Older events' }).click();
    await page.getByTestId('events').filter({ hasText: 'n:0' }).waitFor();
    expect(await rows.count()).toBe(20);
    expect(await page.getByRole('button', { name: 'Older events' }).count()).toBe(0);
    await page.getByRole('button', { name: 'Newer events' }).click();
    await page.getByTestId('events').filter({ hasText: 'n:119' }).waitFor();
  });

  it('replays dead letters of a throwing executor from the console, one and then in bulk by hook and time range', async () => {
    for (const n of [1, 2, 3]) await api('POST', '/api/events', { type: 'custom.order.paid', subject: `order:${n}`, data: { n } });
    await waitFor(async () => ((await deadOf('orders')).length === 3 && (await deadOf('audit')).length === 3 ? true : undefined), 'six dead letters');
    const [newest] = await deadOf('orders');

    await nav('Events').click();
    await page.getByRole('link', { name: 'Dead letters' }).click();
    await page.getByTestId('dead-letters').filter({ hasText: 'the order system is down' }).waitFor();
    expect(await page.getByTestId('dead-letters').locator('tbody tr').count()).toBe(6);
    expect(await axeViolations(page)).toEqual([]);
    await screenshot(page, 'dead-letters');

    // The fix: a new version of the executor that no longer throws.
    await api('PUT', '/api/executors/explode', code('explode', FIXED));
    await page.getByRole('button', { name: `Replay ${newest!.id}` }).click();
    await page.getByTestId('dead-letters').locator('tbody tr').nth(5).waitFor({ state: 'detached' });
    const replayed = await waitFor(async () => {
      const e = await api('GET', `/api/events/${newest!.eventId}`);
      const d = e.deliveries.find((x: { hook: string }) => x.hook === 'orders');
      return d?.status === 'succeeded' ? d : undefined;
    }, 'the single replay delivered');
    expect(replayed.attempts.map((a: { status: string }) => a.status)).toEqual(['error', 'ok']);

    await page.getByLabel('Hook').selectOption('orders');
    await page.getByLabel('From', { exact: true }).fill(localInput(Date.now() - 3_600_000));
    await page.getByLabel('To', { exact: true }).fill(localInput(Date.now() + 3_600_000));
    await page.getByTestId('dead-letters').filter({ hasNotText: 'audit' }).waitFor();
    expect(await page.getByTestId('dead-letters').locator('tbody tr').count()).toBe(2);
    await page.getByRole('button', { name: 'Replay all matching' }).click();
    await page.getByTestId('bulk-result').filter({ hasText: 'Replayed 2 dead letter(s).' }).waitFor();
    await page.getByText('No dead letters match.').waitFor();
    await waitFor(async () => {
      const events = (await api('GET', '/api/events?type=custom.order.paid')).items as { deliveries: Record<string, number> }[];
      return events.every((e) => e.deliveries.succeeded === 1 && e.deliveries.dead === 1) ? true : undefined;
    }, 'orders delivered, audit still dead');
    expect(await deadOf('audit')).toHaveLength(3);
  });

  it('the dashboard shows the figures of the last hour, the queue and dead letters', async () => {
    await nav('Dashboard').click();
    await page.getByTestId('dashboard').waitFor();
    await page.getByTestId('kpi-dead').filter({ hasText: '3' }).waitFor();
    const hour = page.getByTestId('figures-hour');
    expect(await hour.textContent()).toMatch(/always_fails3100\.0 %/);
    expect(await hour.textContent()).toContain('notify');
    expect(await page.locator('.chart canvas').count()).toBe(2);
    expect(await page.getByText('audit: 3').count()).toBe(1);
    expect(await axeViolations(page)).toEqual([]);
    await screenshot(page, 'dashboard');
    // Narrow laptop window: nothing overflows the page sideways.
    await page.setViewportSize({ width: 800, height: 800 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('filters executions by time range and shows one with its detail and nested UDF calls', async () => {
    await api('POST', '/api/executors', code('leaf', 'def handler(input, ctx):\n    return {"leaf": input["n"]}\n'));
    await api('POST', '/api/udfs', { name: 'leaf_udf', executor: 'leaf' });
    await api('POST', '/api/executors', code('outer', 'def handler(input, ctx):\n    return [ctx.udf("leaf_udf", {"n": 1}), ctx.udf("leaf_udf", {"n": 2})]\n'));
    const run = await api('POST', '/api/executors/outer/invoke', { input: {} });
    expect(run.status).toBe('ok');
    await page.goto(`${server.url}/executions/${run.executionId}`);
    const tree = page.getByTestId('execution-tree');
    await tree.waitFor();
    expect(await tree.getByRole('link', { name: 'leaf' }).count()).toBe(2);
    await tree.getByRole('link', { name: 'leaf' }).first().click();
    await page.getByTestId('execution').filter({ hasText: 'Execution of leaf' }).filter({ hasText: '"leaf": 1' }).waitFor();

    await nav('Executions').click();
    await page.getByTestId('executions').waitFor();
    await page.getByLabel('From', { exact: true }).fill(localInput(Date.now() + 3_600_000));
    await page.getByText('No executions match.').waitFor();
    await page.getByLabel('From', { exact: true }).fill(localInput(Date.now() - 3_600_000));
    await page.getByTestId('executions').filter({ hasText: 'always_fails' }).waitFor();
    await page.getByLabel('Status').selectOption('error');
    await page.getByTestId('executions').filter({ hasNotText: 'notify' }).waitFor();
    await page.getByTestId('executions').getByRole('link').first().click();
    await page.getByTestId('execution').filter({ hasText: 'the order system is down' }).waitFor();
  });

  it('browses, edits and deletes storage values with a TTL', async () => {
    await server.api('PUT', '/api/storage/customer:42', { value: { name: 'Ada', tariff: 'green' } });
    await nav('Storage').click();
    await page.getByTestId('storage').filter({ hasText: 'customer:42' }).waitFor();
    await page.getByRole('button', { name: 'New key' }).click();
    await page.locator('input[name="storage-key"]').fill('settings:theme');
    await page.locator('textarea[name="storage-json"]').fill('{"dark": tru');
    await page.getByText(/not valid JSON/).waitFor();
    expect(await page.getByRole('button', { name: 'Save value' }).isDisabled()).toBe(true);
    await page.locator('textarea[name="storage-json"]').fill('{"dark": true}');
    await page.locator('input[name="storage-ttl"]').fill('3600');
    await page.getByRole('button', { name: 'Save value' }).click();
    await page.getByTestId('storage-value').filter({ hasText: /expires (?!never)/ }).waitFor();
    expect((await api('GET', '/api/storage/settings:theme')).value).toEqual({ dark: true });

    await page.locator('input[name="storage-prefix"]').fill('customer:');
    await page.getByTestId('storage').filter({ hasNotText: 'settings:theme' }).waitFor();
    await page.getByRole('button', { name: 'customer:42' }).click();
    await page.locator('textarea[name="storage-json"]').filter({ hasText: 'Ada' }).waitFor();
    await page.locator('textarea[name="storage-json"]').fill('{"name": "Ada", "tariff": "blue"}');
    await page.getByRole('button', { name: 'Save value' }).click();
    await waitFor(async () => ((await api('GET', '/api/storage/customer:42')).value.tariff === 'blue' ? true : undefined), 'the edited value');
    await screenshot(page, 'storage');
    await page.getByRole('button', { name: 'Delete customer:42' }).click();
    await page.getByText('No key has this prefix.').waitFor();
    expect((await server.api('GET', '/api/storage/customer:42')).status).toBe(404);
  });

  it('creates tokens with a role, shows the value once, and revokes one', async () => {
    await nav('Tokens').click();
    await page.getByTestId('tokens').waitFor();
    await page.locator('input[name="token-name"]').fill('looker');
    await page.locator('select[name="token-role"]').selectOption('viewer');
    await page.getByRole('button', { name: 'Create token' }).click();
    viewerToken = (await page.getByTestId('new-token').locator('code').textContent())!;
    expect(viewerToken).toMatch(/^otr_/);
    expect((await server.api('GET', '/api/me', undefined, viewerToken)).body.role).toBe('viewer');
    await page.getByRole('button', { name: 'I have copied it' }).click();
    expect(await page.content()).not.toContain(viewerToken);

    await page.locator('input[name="token-name"]').fill('short-lived');
    await page.locator('select[name="token-role"]').selectOption('operator');
    await page.getByRole('button', { name: 'Create token' }).click();
    const temp = (await page.getByTestId('new-token').locator('code').textContent())!;
    await page.getByTestId('tokens').filter({ hasText: 'short-lived' }).waitFor();
    await screenshot(page, 'tokens');
    await page.getByRole('button', { name: 'Revoke short-lived' }).click();
    await page.getByTestId('tokens').filter({ hasNotText: 'short-lived' }).waitFor();
    expect((await server.api('GET', '/api/me', undefined, temp)).status).toBe(401);
  });

  it('a viewer sees the operations pages without edit controls', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('API token').fill(viewerToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('who').filter({ hasText: 'viewer' }).waitFor();
    expect(await nav('Tokens').count()).toBe(0);

    await nav('Dashboard').click();
    await page.getByTestId('dashboard').waitFor();

    await nav('Events').click();
    await page.getByRole('link', { name: 'Dead letters' }).click();
    await page.getByTestId('dead-letters').filter({ hasText: 'audit' }).waitFor();
    expect(await page.getByRole('button').allTextContents()).toEqual(['Sign out']);

    await page.getByRole('link', { name: 'custom.order.paid' }).first().click();
    await page.getByTestId('delivery-audit').waitFor();
    expect(await page.getByRole('button', { name: /Replay/ }).count()).toBe(0);

    await nav('Tickets').click();
    await page.getByTestId('tickets').waitFor();
    expect(await page.getByRole('button', { name: 'Create ticket' }).count()).toBe(0);
    await page.getByRole('link', { name: 'Meter reading is wrong' }).click();
    await page.getByTestId('ticket-events').waitFor();
    expect(await page.getByRole('button').allTextContents()).toEqual(['Sign out']);
    expect(await page.locator('select[name="ticket-status"]').count()).toBe(0);

    await nav('Storage').click();
    await page.getByRole('button', { name: 'settings:theme' }).click();
    await page.locator('textarea[name="storage-json"]').filter({ hasText: 'dark' }).waitFor();
    expect(await page.locator('textarea[name="storage-json"]').getAttribute('readonly')).not.toBeNull();
    expect(await page.getByRole('button', { name: /New key|Save value|Delete/ }).count()).toBe(0);

    await page.goto(server.url + '/tokens');
    await page.getByText('Only an admin token can see and manage tokens.').waitFor();
  });

  it('had no console error or failed request during the walk', () => {
    expect(problems).toEqual([]);
  });
});
