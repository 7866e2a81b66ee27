// examples/ is the quick-start demo: its fixtures pass locally without a server and on a `serve --demo` server (which
// seeds from the same folder), a local `run` and a server `invoke` agree per language, and the JUnit report parses.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli as runIn, startServe, type CliRun, type Served } from './harness.js';

const TOKEN = 'otr_cli_examples_token_abcdefghijklmn';
const EXAMPLES = path.resolve('examples');

/** Runs the CLI in-process in the work folder. */
const cli = (args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> => runIn(args, { cwd: work, env: { PATH: process.env.PATH, HOME: os.tmpdir(), ...env } });

let work: string;
let dataDir: string;
let server: Served;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'outrigger-examples-'));
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'outrigger-examples-data-'));
  fs.chmodSync(dataDir, 0o711);
  server = await startServe(['--data-dir', dataDir, '--demo'], {
    PATH: process.env.PATH, OUTRIGGER_ADMIN_TOKEN: TOKEN, OUTRIGGER_EGRESS_ALLOW_CIDRS: '127.0.0.1/32', LOG_LEVEL: 'warn', OUTRIGGER_SANDBOX_SPARES: '0',
  });
  env = { OUTRIGGER_URL: server.url, OUTRIGGER_TOKEN: TOKEN };
}, 60_000);
afterAll(async () => {
  await server?.stop();
  fs.rmSync(work, { recursive: true, force: true });
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('examples/', () => {
  it('outrigger test examples passes without a server (apiCall fixtures that would send a request are skipped)', async () => {
    const r = await cli(['test', EXAMPLES]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/\d+ passed, 0 failed, \d+ skipped/);
  });

  it('every fixture passes as a draft run on a server seeded from the same folder, apiCall against the demo ERP included', async () => {
    // The examples' apiCall URLs name the quick start's default server (127.0.0.1:8080); this one listens elsewhere.
    const copy = path.join(work, 'remote-examples');
    fs.cpSync(EXAMPLES, copy, { recursive: true });
    for (const f of fs.readdirSync(copy)) {
      const file = path.join(copy, f, 'executor.json');
      if (fs.existsSync(file)) fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replaceAll('http://127.0.0.1:8080', env.OUTRIGGER_URL!));
    }
    const r = await cli(['test', 'remote-examples', '--remote'], env);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/(\d+) passed, 0 failed \(\1 fixtures of \d+ executors/);
  });

  it('the server holds exactly the executors and bindings of the folder', async () => {
    const api = async (p: string) => (await fetch(env.OUTRIGGER_URL + p, { headers: { authorization: `Bearer ${TOKEN}` } })).json() as Promise<{ items: Array<{ name: string }> }>;
    const folders = fs.readdirSync(EXAMPLES).filter((f) => fs.existsSync(path.join(EXAMPLES, f, 'executor.json'))).sort();
    expect((await api('/api/executors')).items.map((e) => e.name).sort()).toEqual(folders);
    const names = (file: string) => (JSON.parse(fs.readFileSync(path.join(EXAMPLES, 'bindings', file), 'utf8')) as Array<{ name: string }>).map((b) => b.name).sort();
    expect((await api('/api/event-hooks')).items.map((h) => h.name).sort()).toEqual(names('event-hooks.json'));
    expect((await api('/api/udfs')).items.map((h) => h.name).sort()).toEqual(names('udfs.json'));
    expect((await api('/api/agents')).items.map((h) => h.name).sort()).toEqual(names('agents.json'));
  });

  it.each([
    ['python', 'tariff_offer_calc', { zip: '10115', consumptionKwh: 3100 }],
    ['node', 'validate_meter_reading', { meterNumber: 'M-7777', value: 5, date: '2026-02-01' }],
    ['php', 'format_eur', { amount: 98765.432 }],
  ])('%s: a local run and a server invoke of %s give the same output', async (_language, name, input) => {
    const local = await cli(['run', path.join(EXAMPLES, name), '--input', JSON.stringify(input), '--json']);
    expect(local.code, local.stderr).toBe(0);
    const remote = await cli(['invoke', name, '--input', JSON.stringify(input)], env);
    expect(remote.code, remote.stderr).toBe(0);
    const remoteOutput = JSON.parse(remote.stdout);
    expect(JSON.parse(local.stdout).output).toEqual(remoteOutput.output ?? remoteOutput);
  });

  it('--reporter junit on examples with a broken fixture: valid JUnit with one testcase per fixture and the failure', async () => {
    const copy = path.join(work, 'examples');
    fs.cpSync(EXAMPLES, copy, { recursive: true });
    fs.writeFileSync(path.join(copy, 'format_eur/tests/broken.json'), JSON.stringify({ input: { amount: 1 }, expect: { status: 'ok', output: { text: '1.00 EUR' } } }));
    const r = await cli(['test', 'examples', '--reporter', 'junit', '--output', 'report.xml']);
    expect(r.code).toBe(1);
    const xml = fs.readFileSync(path.join(work, 'report.xml'), 'utf8');
    expect(XMLValidator.validate(xml)).toBe(true);
    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (n) => ['testsuite', 'testcase'].includes(n) }).parse(xml);
    const fixtures = fs.readdirSync(copy).flatMap((f) => (fs.existsSync(path.join(copy, f, 'tests')) ? fs.readdirSync(path.join(copy, f, 'tests')).map((t) => `${f} tests/${t}`) : [])).sort();
    const cases = (doc.testsuites.testsuite as Array<{ testcase: any[] }>).flatMap((s) => s.testcase);
    expect(cases.map((c) => `${c.classname} ${c.name}`).sort()).toEqual(fixtures);
    const broken = cases.filter((c) => c.failure);
    expect(broken.map((c) => `${c.classname} ${c.name}`)).toEqual(['format_eur tests/broken.json']);
    expect(broken[0].failure['#text']).toContain('-  "text": "1.00 EUR"\n+  "text": "1,00 €"');
  });
});
