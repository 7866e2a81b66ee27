// Executors AND bindings as files in Git, through `runCli` in-process against a real listening server, on both stores:
// pull → edit → diff → push gives exactly one new version of the changed executor and changes only the edited binding;
// an invalid folder changes nothing and names file, line and field; server-only things are listed, pruned only with --prune.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/program.js';
import { DIALECTS } from '../helpers/dialects.js';
import { listen, type HttpClient } from '../helpers/http.js';
import { ADMIN_TOKEN, startTestServer, type TestServer } from '../helpers/server.js';

const SECRET_VALUE = 'sk-very-secret-value-0123456789';
const BINDING_PATHS = ['/api/udfs', '/api/webhooks', '/api/customer-recognition/sources', '/api/ai/tools', '/api/agents', '/api/event-hooks', '/api/ai/agents'];

interface Run { code: number; stdout: string; stderr: string }

const apiCall = (name: string, description: string) => ({ name, type: 'apiCall', description, apiCall: { method: 'GET', url: `http://127.0.0.1:9/${name}` } });

/** Everything the server holds that a push may change: executor versions and every binding with its updatedAt. */
async function snapshot(http: HttpClient): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const e of (await http.call('GET', '/api/executors')).body.items) out[`executor ${e.name}`] = `${e.activeVersion}/${e.latestVersion}`;
  for (const p of BINDING_PATHS) for (const b of (await http.call('GET', p)).body.items) out[`${p} ${b.name}`] = b.updatedAt;
  return out;
}

for (const dialect of DIALECTS) {
  describe(`executors and bindings in a folder (${dialect})`, () => {
    let s: TestServer;
    let http: HttpClient;
    let work: string;
    const cli = async (...argv: string[]): Promise<Run> => {
      let stdout = '';
      let stderr = '';
      const code = await runCli(argv, { stdout: (t) => { stdout += t; }, stderr: (t) => { stderr += t; }, env: { OUTRIGGER_URL: http.url, OUTRIGGER_TOKEN: ADMIN_TOKEN }, cwd: work });
      return { code, stdout, stderr };
    };
    const git = (...args: string[]) => execFileSync('git', ['-c', 'user.email=dev@example.com', '-c', 'user.name=Dev', ...args], { cwd: path.join(work, 'executors'), encoding: 'utf8' });
    const file = (rel: string) => path.join(work, 'executors', rel);
    const edit = (rel: string, from: string, to: string) => {
      const text = fs.readFileSync(file(rel), 'utf8');
      expect(text).toContain(from);
      fs.writeFileSync(file(rel), text.replace(from, to));
    };

    beforeAll(async () => {
      s = await startTestServer(dialect);
      http = await listen(s, 4);
      work = fs.mkdtempSync(path.join(os.tmpdir(), 'outrigger-bindings-folder-'));
      const ok = (r: { status: number; body: unknown }) => expect(r.status, JSON.stringify(r.body)).toBeLessThan(300);
      ok(await http.call('PUT', '/api/secrets/LLM_KEY', { value: SECRET_VALUE }));
      ok(await http.call('PUT', '/api/executors/find_contract', apiCall('find_contract', 'finds a contract')));
      ok(await http.call('PUT', '/api/executors/send_mail', apiCall('send_mail', 'sends an email')));
      ok(await http.call('POST', '/api/udfs', { name: 'format_eur', executor: 'find_contract', description: 'formats' }));
      ok(await http.call('POST', '/api/webhooks', { name: 'inbound', executor: 'send_mail' }));
      ok(await http.call('POST', '/api/customer-recognition/sources', { name: 'erp_contract', kind: 'contractNumber', executor: 'find_contract', priority: 10 }));
      ok(await http.call('POST', '/api/ai/tools', { name: 'send_mail', executor: 'send_mail', description: 'sends an offer' }));
      ok(await http.call('POST', '/api/agents', { name: 'mailer', intent: 'mail', dataSchema: { type: 'object' }, executor: 'send_mail' }));
      ok(await http.call('POST', '/api/event-hooks', { name: 'on_mail', eventTypes: ['custom.mail_requested'], executor: 'send_mail' }));
      ok(await http.call('POST', '/api/ai/agents', { name: 'advisor', systemPrompt: 'Be brief.', model: 'gpt-4o-mini', tools: ['send_mail'], baseUrl: 'https://llm.example.com/v1', apiKeySecret: 'LLM_KEY' }));
    });
    afterAll(async () => {
      await http?.close();
      await s?.close();
      if (work) fs.rmSync(work, { recursive: true, force: true });
    });

    it('pull writes one sorted file per binding kind; secrets by name only', async () => {
      const r = await cli('pull');
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain('bindings: 7 → executors/bindings');
      expect(fs.readdirSync(file('bindings')).sort()).toEqual(['agents.json', 'ai-tools.json', 'event-hooks.json', 'recognition-sources.json', 'smart-agents.json', 'udfs.json', 'webhooks.json']);
      const sources = fs.readFileSync(file('bindings/recognition-sources.json'), 'utf8');
      expect(JSON.parse(sources)).toEqual([{ executor: 'find_contract', kind: 'contractNumber', name: 'erp_contract', priority: 10, timeoutMs: 5000 }]);
      // Sorted keys, two-space indent, trailing newline (what Git diffs stay small with).
      expect(sources).toBe(`${JSON.stringify(JSON.parse(sources), null, 2)}\n`);
      const all = fs.readdirSync(file('bindings')).map((f) => fs.readFileSync(file(`bindings/${f}`), 'utf8')).join('\n');
      expect(all).toContain('"apiKeySecret": "LLM_KEY"');
      expect(all).not.toContain(SECRET_VALUE);
      expect(all).not.toContain('createdAt');
      expect(await cli('diff')).toMatchObject({ code: 0, stdout: 'no differences (2 executors and 7 bindings)\n' });
      // A second pull is stable: nothing rewritten.
      expect((await cli('pull')).stdout).toContain('bindings: 7 → executors/bindings (up to date)');
      git('init', '-q');
      git('add', '-A');
      git('commit', '-qm', 'Import from the server');
    });

    it('edit → diff → push: one new version of the changed executor, only the changed binding rewritten, message from Git', async () => {
      edit('find_contract/executor.json', '"finds a contract"', '"finds a contract by number"');
      edit('bindings/recognition-sources.json', '"priority": 10', '"priority": 20');
      const d = await cli('diff');
      expect(d.code).toBe(1);
      expect(d.stdout).toContain('--- a/find_contract/executor.json\n+++ b/find_contract/executor.json\n');
      expect(d.stdout).toContain('--- a/bindings/recognition-sources.json\n+++ b/bindings/recognition-sources.json\n');
      expect(d.stdout).toContain('-    "priority": 10,\n+    "priority": 20,');
      expect(d.stdout).toContain('2 of 2 executors and 7 bindings would change: find_contract (changed from version 1), customer recognition source erp_contract (changed)');
      git('commit', '-qam', 'Prefer the contract source');
      const head = git('log', '-1', '--format=%h').trim();

      const before = await snapshot(http);
      const p = await cli('push');
      expect(p.code, p.stderr).toBe(0);
      expect(p.stdout).toBe('find_contract: version 2\nsend_mail: unchanged\ncustomer recognition source erp_contract: replaced\n');
      const after = await snapshot(http);
      const changed = Object.keys(after).filter((k) => after[k] !== before[k]).sort();
      expect(changed).toEqual(['/api/customer-recognition/sources erp_contract', 'executor find_contract']);
      expect(after['executor find_contract']).toBe('2/2');
      expect(Object.keys(after)).toEqual(Object.keys(before));
      const v = (await http.call('GET', '/api/executors/find_contract')).body.version;
      expect(v).toMatchObject({ version: 2, message: `Prefer the contract source (${head})` });
      expect((await http.call('GET', '/api/customer-recognition/sources/erp_contract')).body.priority).toBe(20);
      expect(await cli('diff')).toMatchObject({ code: 0 });
    });

    it('an invalid folder changes nothing and names file, line and field', async () => {
      const before = await snapshot(http);
      const cases: Array<{ change: () => void; expected: string }> = [
        { change: () => fs.writeFileSync(file('bindings/udfs.json'), '[\n  {\n    "name": "format_eur",\n    "executor": \n  }\n]\n'), expected: 'executors/bindings/udfs.json:5: invalid JSON at line 5, column 3' },
        { change: () => edit('bindings/webhooks.json', '"executor": "send_mail"', '"executor": "no_such_executor"'), expected: 'executors/bindings/webhooks.json:4: /0/executor names executor no_such_executor, which is neither a folder in executors nor on the server' },
        { change: () => edit('bindings/smart-agents.json', '"send_mail"', '"no_such_tool"'), expected: 'executors/bindings/smart-agents.json:11: /0/tools/0 names AI tool no_such_tool, which is neither in bindings/ai-tools.json nor on the server' },
        { change: () => edit('bindings/event-hooks.json', '"enabled": true', '"enabled": "yes"'), expected: 'executors/bindings/event-hooks.json:5: /0/enabled expected boolean' },
        {
          change: () => {
            fs.mkdirSync(file('rusty'));
            fs.writeFileSync(file('rusty/executor.json'), '{\n  "type": "code",\n  "code": {\n    "language": "ruby"\n  }\n}\n');
          },
          expected: 'executors/rusty/executor.json:4: /code/language must be one of "python", "node", "php"',
        },
        {
          change: () => {
            fs.mkdirSync(file('nosource'));
            fs.writeFileSync(file('nosource/executor.json'), '{"type": "code", "code": {"language": "python"}}\n');
          },
          expected: 'executors/nosource/main.py: is missing (the source of a python executor)',
        },
      ];
      for (const c of cases) {
        // Each problem is also found among the others; the executor edit makes sure a valid change would have gone.
        edit('send_mail/executor.json', '"sends an email"', '"sends an email now"');
        c.change();
        const p = await cli('push');
        expect(p.code).toBe(2);
        expect(p.stdout).toBe('');
        expect(p.stderr).toMatch(/^outrigger: invalid folder \(1 problem\); nothing was pushed:\n/);
        expect(p.stderr).toContain(`  ${c.expected}`);
        expect(await snapshot(http)).toEqual(before);
        git('checkout', '-q', '.');
        git('clean', '-qfd');
      }
      expect(await cli('diff')).toMatchObject({ code: 0 });
    });

    it('executors and bindings only on the server are listed by diff and deleted by push only with --prune', async () => {
      await http.call('PUT', '/api/executors/legacy', apiCall('legacy', 'old'));
      await http.call('POST', '/api/event-hooks', { name: 'on_legacy', eventTypes: ['custom.legacy'], executor: 'legacy' });
      const d = await cli('diff');
      expect(d.code).toBe(1);
      expect(d.stdout).toContain('only on the server (push --prune deletes them): executor legacy, event hook on_legacy\n');
      const kept = await cli('push');
      expect(kept.code, kept.stderr).toBe(0);
      expect(kept.stdout).toContain('only on the server (kept; push --prune deletes them): event hook on_legacy, executor legacy\n');
      expect((await http.call('GET', '/api/executors/legacy')).status).toBe(200);
      // A binding in the folder that names the executor --prune would delete is refused before anything happens.
      edit('bindings/webhooks.json', '"executor": "send_mail"', '"executor": "legacy"');
      const refused = await cli('push', '--prune');
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain('executors/bindings/webhooks.json:4: /0/executor names executor legacy, which is neither a folder in executors nor on the server (it would be pruned)');
      git('checkout', '-q', '.');
      const pruned = await cli('push', '--prune');
      expect(pruned.code, pruned.stderr).toBe(0);
      expect(pruned.stdout).toContain('event hook on_legacy: deleted (--prune)\nexecutor legacy: deleted (--prune)\n');
      expect((await http.call('GET', '/api/executors/legacy')).status).toBe(404);
      expect((await http.call('GET', '/api/event-hooks/on_legacy')).status).toBe(404);
      expect(await cli('diff')).toMatchObject({ code: 0 });
    });

    it('a refusal only the server can know (an intent already taken) rolls back everything the push had applied', async () => {
      const get = async (p: string) => (await http.call('GET', p)).body;
      const before = { mail: await get('/api/executors/send_mail'), source: await get('/api/customer-recognition/sources/erp_contract') };
      edit('send_mail/executor.json', '"sends an email"', '"sends an email, politely"');
      edit('bindings/recognition-sources.json', '"priority": 20', '"priority": 30');
      const addEntry = (rel: string, entry: (first: Record<string, unknown>) => Record<string, unknown>) => {
        const list = JSON.parse(fs.readFileSync(file(rel), 'utf8')) as Array<Record<string, unknown>>;
        fs.writeFileSync(file(rel), `${JSON.stringify([...list, entry(list[0]!)], null, 2)}\n`);
      };
      addEntry('bindings/webhooks.json', (w) => ({ ...w, name: 'inbound_two' }));
      // The second agent for intent "mail": the folder is valid, only the server knows the intent is taken.
      addEntry('bindings/agents.json', (a) => ({ ...a, name: 'mailer_two' }));

      const p = await cli('push');
      expect(p.code, p.stderr).toBe(1);
      expect(p.stdout).toContain('send_mail: version ');
      expect(p.stdout).toContain('webhook inbound_two: created\n');
      expect(p.stdout).toContain('customer recognition source erp_contract: replaced\n');
      expect(p.stdout).toMatch(/agent mailer_two: FAILED .*intent mail/);
      expect(p.stderr).toContain('outrigger: the push stopped at agent mailer_two; rolled back: customer recognition source erp_contract (put back), '
        + 'webhook inbound_two (deleted), executor send_mail (version ' + before.mail.activeVersion + ' active again)\n');

      const mail = await get('/api/executors/send_mail');
      expect(mail.activeVersion).toBe(before.mail.activeVersion);
      // The pushed version stays in the history, inactive (like a revert).
      expect(mail.latestVersion).toBe(before.mail.latestVersion + 1);
      expect(mail.description).toBe(before.mail.description);
      expect(await get('/api/customer-recognition/sources/erp_contract')).toMatchObject({ priority: before.source.priority, executor: before.source.executor });
      expect((await http.call('GET', '/api/webhooks/inbound_two')).status).toBe(404);
      expect((await http.call('GET', '/api/agents/mailer_two')).status).toBe(404);
      git('checkout', '-q', '.');
      expect(await cli('diff')).toMatchObject({ code: 0 });
    });
  });
}
