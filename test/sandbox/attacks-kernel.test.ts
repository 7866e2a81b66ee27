// The sandbox refuses to be weaker than it says: seccomp from memory, only the socket families runtimes need,
// and a full-isolation requirement that names what is missing instead of silently falling back.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertIsolation, createSandbox, type Sandbox } from '../../src/executors/sandbox/index.js';
import { LANGS, makeSandbox, req, tempDir } from './helpers.js';

let sb: Sandbox;
beforeAll(async () => {
  sb = await makeSandbox();
});
afterAll(async () => {
  await sb.close();
});

/**
 * Tries socket(family, …) for each family; answers {family: "ok" | "ERR <errno name>"}. Python reaches the kernel
 * with any family number (Node.js and PHP check the family in the language), so it probes the filter.
 */
const SOCKETS = {
  python: `import socket, errno
def handler(input, ctx):
    out = {}
    for name, fam in input["families"].items():
        try:
            s = socket.socket(fam, socket.SOCK_STREAM if fam != 16 else socket.SOCK_RAW)
            s.close()
            out[name] = "ok"
        except OSError as e:
            out[name] = "ERR " + errno.errorcode.get(e.errno, str(e.errno))
    return out
`,
};

describe('seccomp: only the socket families the runtimes need', () => {
  it('python: AF_VSOCK, AF_PACKET, AF_ALG are refused; AF_UNIX, AF_INET, AF_INET6 work', async () => {
    const families = { unix: 1, inet: 2, inet6: 10, vsock: 40, packet: 17, alg: 38, bluetooth: 31 };
    const r = await sb.run(req('python', SOCKETS.python, { input: { families } }));
    expect(r.status, JSON.stringify(r.error)).toBe('ok');
    const out = r.output as Record<string, string>;
    expect(out).toMatchObject({ unix: 'ok', inet: 'ok', inet6: 'ok' });
    for (const f of ['vsock', 'packet', 'alg', 'bluetooth']) expect(out[f], f).toBe('ERR EAFNOSUPPORT');
  });

  it.each(LANGS)('%s still starts and runs with the filter in place', async (lang) => {
    const src = { python: 'def handler(i, c):\n    return 1\n', node: 'export default async () => 1;\n', php: '<?php\nfunction handler(array $i, Outrigger\\Context $c): mixed { return 1; }\n' }[lang];
    expect(await sb.run(req(lang, src))).toMatchObject({ status: 'ok', output: 1 });
  });

  it('the program is never written to disk: nothing is created under the data dir at start', async () => {
    const dataDir = tempDir('outrigger-seccomp-');
    const own = await createSandbox({ dataDir, limits: { sparesPerLanguage: 0 }, logger: { info: () => undefined, warn: () => undefined, error: () => undefined } });
    try {
      expect(own.capabilities().seccomp).toBe(true);
      expect(await own.run(req('python', 'def handler(i, c):\n    return 1\n'))).toMatchObject({ status: 'ok', output: 1 });
      // Only the dependency cache lives there; the seccomp program used to be sandbox/seccomp.bpf.
      expect(fs.readdirSync(dataDir).filter((f) => f !== 'deps')).toEqual([]);
    } finally {
      await own.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('full isolation or a clear refusal', () => {
  it('this machine isolates fully: nothing degraded', () => {
    expect(sb.capabilities().degraded).toEqual([]);
  });

  it('required refuses a degraded sandbox and names each gap; auto accepts it', () => {
    const caps = { degraded: ['prlimit (util-linux) not found: no CPU-time and open-file rlimits', 'freezer cgroup controller not available'] };
    expect(() => assertIsolation(caps, true)).toThrow(/weaker than required.*prlimit.*freezer/);
    expect(() => assertIsolation(caps, false)).not.toThrow();
    expect(() => assertIsolation({ degraded: [] }, true)).not.toThrow();
  });
});
