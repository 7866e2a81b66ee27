// Attacks on the file system, processes and identity: each must fail, and the same pool must keep working afterwards.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../src/executors/sandbox/index.js';
import type { CodeLanguage, CodeRunResult } from '../../src/executors/sandbox/contract.js';
import { LANGS, makeSandbox, req, tempDir } from './helpers.js';

const MARKER_ENV = 'leak-me-if-you-can-4711';
process.env.OUTRIGGER_TEST_MARKER = MARKER_ENV;

/** Reads every path in input.paths; returns what it got or the error per path. */
const READER: Record<CodeLanguage, string> = {
  python: `
def handler(input, ctx):
    out = {}
    for p in input.get("paths", []):
        try:
            with open(p, "rb") as f:
                out[p] = "READ:" + f.read(4096).decode("latin-1")
        except Exception as e:
            out[p] = "ERR:" + type(e).__name__
    return out
`,
  node: `
import fs from 'node:fs';
export default async function handler(input) {
  const out = {};
  for (const p of input.paths ?? []) {
    try { out[p] = 'READ:' + fs.readFileSync(p).subarray(0, 4096).toString('latin1'); } catch (e) { out[p] = 'ERR:' + e.code; }
  }
  return out;
}
`,
  php: `<?php
function handler(array $input, Outrigger\\Context $ctx): mixed {
    $out = [];
    foreach ($input['paths'] ?? [] as $p) {
        $d = @file_get_contents($p, false, null, 0, 4096);
        $out[$p] = $d === false ? 'ERR:' . (error_get_last()['message'] ?? '') : 'READ:' . $d;
    }
    return $out;
}
`,
};

/** Writes to every path in input.paths; returns "OK" or the error per path. */
const WRITER: Record<CodeLanguage, string> = {
  python: `
def handler(input, ctx):
    out = {}
    for p in input.get("paths", []):
        try:
            with open(p, "w") as f:
                f.write("x")
            out[p] = "OK"
        except Exception as e:
            out[p] = "ERR:" + type(e).__name__
    return out
`,
  node: `
import fs from 'node:fs';
export default async function handler(input) {
  const out = {};
  for (const p of input.paths ?? []) {
    try { fs.writeFileSync(p, 'x'); out[p] = 'OK'; } catch (e) { out[p] = 'ERR:' + e.code; }
  }
  return out;
}
`,
  php: `<?php
function handler(array $input, Outrigger\\Context $ctx): mixed {
    $out = [];
    foreach ($input['paths'] ?? [] as $p) $out[$p] = @file_put_contents($p, 'x') === false ? 'ERR' : 'OK';
    return $out;
}
`,
};

let sb: Sandbox;
let hostDir: string;
const secrets: Record<string, string> = {};

beforeAll(async () => {
  sb = await makeSandbox();
  // Files only the host has: a data dir with a database and a master key (mode 0600, like the real ones).
  hostDir = tempDir('outrigger-hostdata-');
  const files: [string, string][] = [['outrigger.db', 'SQLite format 3 host-db-content-1234'], ['master.key', 'MASTER-KEY-abcdef0123456789']];
  for (const [name, content] of files) {
    const p = path.join(hostDir, name);
    fs.writeFileSync(p, content, { mode: 0o600 });
    secrets[p] = content;
  }
});
afterAll(async () => {
  await sb.close();
  fs.rmSync(hostDir, { recursive: true, force: true });
});

async function runTwice(lang: CodeLanguage, src: string, input: unknown): Promise<CodeRunResult> {
  const r = req(lang, src, { input });
  const first = await sb.run(r);
  // The same pool keeps working afterwards.
  const again = await sb.run({ ...r, input: { paths: [] }, execution: { ...r.execution, deadline: Date.now() + 10_000 } });
  expect(again.status).toBe('ok');
  return first;
}

describe.each(LANGS)('file system and process isolation in %s', (lang) => {
  it('cannot read /etc/shadow, /etc/passwd of the host, or host files outside the runtime', async () => {
    const paths = ['/etc/shadow', '/etc/passwd', '/root/.bashrc', '/etc/hostname', path.resolve('package.json'), '/proc/1/root/etc/shadow'];
    const r = await runTwice(lang, READER[lang], { paths });
    const out = r.output as Record<string, string>;
    for (const p of paths) expect(out[p], p).toMatch(/^ERR/);
  });

  it("cannot read the host's data dir and master key (0600 files of the server)", async () => {
    const paths = Object.keys(secrets);
    const r = await runTwice(lang, READER[lang], { paths: [...paths, hostDir] });
    const text = JSON.stringify(r.output);
    for (const p of paths) {
      expect((r.output as Record<string, string>)[p]).toMatch(/^ERR/);
      expect(text).not.toContain(secrets[p]);
    }
  });

  it("cannot see the server's environment through /proc/1/environ or any host process", async () => {
    const r = await runTwice(lang, READER[lang], { paths: ['/proc/1/environ', '/proc/self/environ', `/proc/${process.pid}/environ`, `/proc/${process.ppid}/cmdline`] });
    const text = JSON.stringify(r.output);
    expect(text).not.toContain(MARKER_ENV);
    expect(text).not.toMatch(/vitest|OUTRIGGER_TEST_MARKER/);
  });

  it('cannot write anywhere but /tmp (and /dev/shm)', async () => {
    const denied = ['/x', '/code/main.x', '/opt/outrigger/sdk/x', '/usr/x', '/etc/x', '/dev/x', '/proc/x', '/run/x'];
    const r = await runTwice(lang, WRITER[lang], { paths: [...denied, '/tmp/ok', '/dev/shm/ok'] });
    const out = r.output as Record<string, string>;
    for (const p of denied) expect(out[p], p).toMatch(/^ERR/);
    expect(out['/tmp/ok']).toBe('OK');
    expect(out['/dev/shm/ok']).toBe('OK');
  });
});

describe('identity, processes and kernel interfaces (python, ctypes is no boundary)', () => {
  const PROBE = `
import os, ctypes
def handler(input, ctx):
    if not input.get("go"):
        return "ok"
    libc = ctypes.CDLL(None, use_errno=True)
    status = open("/proc/self/status").read()
    def field(name):
        return [l.split(":", 1)[1].strip() for l in status.splitlines() if l.startswith(name + ":")][0]
    return {
        "uid": os.getuid(), "gid": os.getgid(), "capEff": field("CapEff"), "capBnd": field("CapBnd"),
        "noNewPrivs": field("NoNewPrivs"), "seccomp": field("Seccomp"),
        "pids": sorted(int(p) for p in os.listdir("/proc") if p.isdigit()),
        "unshareUser": libc.unshare(0x10000000),   # CLONE_NEWUSER
        "unshareNs": libc.unshare(0x00020000),     # CLONE_NEWNS
        "mount": libc.mount(b"none", b"/tmp", b"tmpfs", 0, None),
        "bpf": libc.syscall(321, 0, 0, 0),
        "ptrace": libc.ptrace(16, 1, 0, 0),        # PTRACE_ATTACH to pid 1
        "hostname": os.uname().nodename,
    }
`;
  it('runs as nobody, without capabilities, with no_new_privs and seccomp; namespace/mount/bpf/ptrace refused', async () => {
    const r = await runTwice('python', PROBE, { go: true });
    const o = r.output as Record<string, unknown>;
    expect(o.uid).toBe(65534);
    expect(o.gid).toBe(65534);
    expect(o.capEff).toBe('0000000000000000');
    expect(o.capBnd).toBe('0000000000000000');
    expect(o.noNewPrivs).toBe('1');
    expect(o.seccomp).toBe('2');
    // Only the sandbox's own processes: bwrap's init and the interpreter.
    expect((o.pids as number[]).length).toBeLessThanOrEqual(3);
    for (const k of ['unshareUser', 'unshareNs', 'mount', 'bpf', 'ptrace']) expect(o[k], k).toBe(-1);
    expect(o.hostname).toBe('sandbox');
  });

  it('script mode: nothing survives an invocation (/tmp is fresh every run)', async () => {
    const src = 'import os, json\nseen = os.path.exists("/tmp/persist")\nopen("/tmp/persist", "w").write("1")\nprint(json.dumps(seen))\n';
    const a = await sb.run(req('python', src, { mode: 'script' }));
    const b = await sb.run(req('python', src, { mode: 'script' }));
    expect([a.output, b.output]).toEqual([false, false]);
  });

  it('the sandbox process is nobody on the host too', () => {
    expect(sb.capabilities().hostUid).toBe(process.getuid?.() === 0 ? 65534 : process.getuid?.());
  });
});
