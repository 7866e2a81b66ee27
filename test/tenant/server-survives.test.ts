// The real server process under the attacks that used to end it: after each one the very same process answers
// /healthz within 1 s, a health executor in every language and one in another workspace answer, no error escaped
// to the process guard, and the server's descriptors are back to their baseline.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import { frozenGroups } from '../helpers/sandbox-cgroups.js';
import { waitFor } from '../helpers/wait.js';

const TOKEN = 'otr_proc_admin_token_0123456789abcdef';
type Lang = 'python' | 'node' | 'php';
const LANGS: Lang[] = ['python', 'node', 'php'];

let s: ServerProcess;
let otherToken = '';
let fdBaseline = 0;

const HEALTH: Record<Lang, string> = {
  python: 'def handler(input, ctx):\n    return "healthy"\n',
  node: 'export default async function handler() { return "healthy"; }\n',
  php: '<?php\nfunction handler(array $input, Outrigger\\Context $ctx): mixed { return "healthy"; }\n',
};

/** Writes `null` on the SDK channel: one line that used to make the whole server exit. */
const NULL_ON_CHANNEL: Record<Lang, { handler: string; script: string }> = {
  python: { handler: 'import os\ndef handler(input, ctx):\n    os.write(4, b"null\\n")\n    return 1\n', script: 'import os\nos.write(4, b"null\\n")\nprint(1)\n' },
  node: { handler: "import fs from 'node:fs';\nexport default async function handler() { fs.writeSync(4, 'null\\n'); return 1; }\n", script: "import fs from 'node:fs';\nfs.writeSync(4, 'null\\n');\nconsole.log(1);\n" },
  php: { handler: "<?php\nfunction handler(array $input, Outrigger\\Context $ctx): mixed { $f = fopen('php://fd/4', 'wb'); fwrite($f, \"null\\n\"); fflush($f); return 1; }\n", script: "<?php\n$f = fopen('php://fd/4', 'wb'); fwrite($f, \"null\\n\"); fflush($f); echo 1;\n" },
};

/** Raw requests to the in-sandbox egress forwarder (HTTP_PROXY), as hostile code would send them. */
const PROXY_CLIENT = `import os, socket, time
def proxy():
    hp = os.environ["HTTP_PROXY"].rsplit(":", 1)
    return hp[0].split("//")[-1], int(hp[1].strip("/"))
def handler(input, ctx):
    host, port = proxy()
    if input.get("connect"):
        s = socket.create_connection((host, port), timeout=5)
        s.sendall(("CONNECT " + input["connect"] + " HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n").encode())
        return s.recv(200).decode(errors="replace").split("\\r\\n")[0]
    held = []
    for _ in range(input["n"]):
        try:
            c = socket.create_connection((host, port), timeout=2)
            c.sendall(b"CONNECT localhost:1 HTTP/1.1\\r\\nHost: x\\r\\n")  # an unfinished head: held open
            held.append(c)
        except OSError:
            break
    time.sleep(input["holdMs"] / 1000)
    return len(held)
`;

/** The same flood in Node.js, whose forwarder is event-driven (no thread per connection, so no pids limit first). */
const NODE_FLOOD = `import net from 'node:net';
export default async function handler(input) {
  const u = new URL(process.env.HTTP_PROXY);
  const held = [];
  await Promise.all(Array.from({ length: input.n }, () => new Promise((resolve) => {
    const c = net.connect(Number(u.port), u.hostname);
    c.on('error', resolve);
    c.on('connect', () => { c.write('CONNECT localhost:1 HTTP/1.1\\r\\nHost: x\\r\\n'); held.push(c); resolve(); });
  })));
  await new Promise((r) => setTimeout(r, input.holdMs));
  for (const c of held) c.destroy();
  return held.length;
}
`;

async function put(name: string, language: Lang, source: string, extra: Record<string, unknown> = {}, token = TOKEN): Promise<void> {
  const r = await s.api('PUT', `/api/executors/${name}`, { name, type: 'code', timeoutMs: 20_000, code: { language, source, memoryMb: 64, ...extra } }, token);
  expect([200, 201], JSON.stringify(r.body)).toContain(r.status);
}

async function invoke(name: string, input: unknown = {}, token = TOKEN): Promise<any> {
  const r = await s.api('POST', `/api/executors/${name}/invoke`, { input }, token);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body;
}

/** Everything a healthy server does, checked after every attack. */
async function expectHealthy(): Promise<void> {
  expect(s.alive(), 'the server process is still running').toBe(true);
  // Answers, however loaded the machine is: stall times are measured by `npm run bench`, not asserted here.
  const h = await s.api('GET', '/healthz');
  expect(h.status).toBe(200);
  for (const lang of LANGS) expect((await invoke(`health_${lang}`)).output).toBe('healthy');
  expect((await invoke('health_other', {}, otherToken)).output).toBe('healthy');
  const metrics = await s.api('GET', '/metrics');
  expect(String(metrics.body)).toMatch(/outrigger_uncaught_errors_total\{kind="exception"\} 0/);
  expect(String(metrics.body)).toMatch(/outrigger_uncaught_errors_total\{kind="rejection"\} 0/);
}

beforeAll(async () => {
  s = await startServerProcess(TOKEN);
  for (const lang of LANGS) await put(`health_${lang}`, lang, HEALTH[lang]);
  const ws = await s.api('POST', '/api/workspaces', { name: 'other' });
  expect(ws.status).toBe(201);
  otherToken = ws.body.adminToken;
  await put('health_other', 'python', HEALTH.python, {}, otherToken);
  await expectHealthy();
  // The baseline is the steady state: an idle warm worker opens its freezer file when it is first frozen
  // (cgroups.ts keeps cgroup files open), so wait for the four health workers to be frozen before counting.
  await waitFor(() => frozenGroups(s.pid) >= 4, 'the idle health workers to be frozen', 5000);
  fdBaseline = s.fdCount();
}, 120_000);

afterAll(async () => {
  await s?.stop();
});

describe('one line of executor code no longer ends the server', () => {
  for (const lang of LANGS) {
    for (const mode of ['handler', 'script'] as const) {
      it(`${lang} ${mode}: null on the SDK channel`, async () => {
        const name = `crash_${lang}_${mode}`;
        await put(name, lang, NULL_ON_CHANNEL[lang][mode], { mode });
        const r = await invoke(name);
        expect(r.status).toBe('error');
        expect(r.error.code).toBe('RUNTIME_ERROR');
        expect(r.error.message).toMatch(/protocol violation/);
        await expectHealthy();
      });
    }
  }
});

describe('egress proxy abuse', () => {
  it.each(['localhost:99999', 'localhost:0', 'bad_host!:80'])('CONNECT %s is refused and the server stays up', async (target) => {
    await put('proxy_client', 'python', PROXY_CLIENT, { egress: ['localhost'] });
    const r = await invoke('proxy_client', { connect: target });
    expect(r.status, JSON.stringify(r.error)).toBe('ok');
    expect(r.output).toMatch(/^HTTP\/1.1 403/);
    await expectHealthy();
  });

  it('three parallel invocations flooding the proxy hold a bounded number of server descriptors', async () => {
    await put('proxy_flood', 'node', NODE_FLOOD, { egress: ['localhost'] });
    const before = s.fdCount();
    const floods = Promise.all([1, 2, 3].map(() => invoke('proxy_flood', { n: 200, holdMs: 2500 })));
    let peak = before;
    let slowestHealth = 0;
    let settled = false;
    void floods.finally(() => (settled = true));
    // Samples the descriptors and the health check until the floods have ended.
    await waitFor(async () => {
      peak = Math.max(peak, s.fdCount());
      const h = await s.api('GET', '/healthz');
      expect(h.status).toBe(200);
      slowestHealth = Math.max(slowestHealth, h.ms);
      return settled;
    }, 'the floods to end', 60_000, 100);
    const results = await floods;
    for (const r of results) expect(r.status, JSON.stringify(r.error)).toBe('ok');
    // 3 sandboxes x 32 connections x 2 descriptors, plus the three workers' own pipes and proxies.
    expect(peak - before).toBeLessThan(3 * 32 * 2 + 3 * 20);
    console.info(`fd flood: baseline ${fdBaseline}, before ${before}, peak ${peak}, slowest /healthz ${slowestHealth.toFixed(1)} ms, rss ${s.rssMb().toFixed(0)} MB`);
    await expectHealthy();
  });
});

it('after all attacks the descriptors are back to the baseline once the attack executors are gone', async () => {
  const list = await s.api('GET', '/api/executors');
  for (const e of list.body.items ?? list.body) {
    if (!String(e.name).startsWith('health_')) expect((await s.api('DELETE', `/api/executors/${e.name}`)).status).toBeLessThan(300);
  }
  await waitFor(() => s.fdCount() <= fdBaseline + 4, `the descriptors back to the baseline ${fdBaseline} (+4)`, 15_000, 100);
  expect(s.fdCount()).toBeLessThanOrEqual(fdBaseline + 4);
  await expectHealthy();
});
