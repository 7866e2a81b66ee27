// Dependencies of code executors through the API against the real registries (PyPI, npm): build on save, status and log, then import.
// Needs network access to pypi.org / files.pythonhosted.org and registry.npmjs.org (or PIP_INDEX_URL / npm_config_registry);
// without it these tests fail (the build fails and its log is shown) — they never skip.
import dns from 'node:dns/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addressAllowed } from '../../src/executors/egress/address-policy.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { invoke, invokeOk, putCode, SANDBOXED, waitFor, type Lang } from './helpers.js';

const BUILD_DEADLINE_MS = 120_000;
const REGISTRY_HOSTS = ['pypi.org', 'files.pythonhosted.org', 'registry.npmjs.org'];

/**
 * Some machines pin the registries to a mirror on a reserved address (e.g. /etc/hosts → 203.0.113.x). The build's egress
 * proxy refuses non-public addresses unless the administrator allows them (OUTRIGGER_EGRESS_ALLOW_CIDRS), so the test
 * server gets exactly those addresses allowed, as such a machine's administrator must do. Public addresses need nothing.
 */
async function registryMirrorCidrs(): Promise<string[]> {
  const out: string[] = [];
  for (const host of REGISTRY_HOSTS) {
    const addrs = await dns.lookup(host, { all: true }).catch(() => []);
    for (const a of addrs) if (!addressAllowed(a.address, []).ok) out.push(`${a.address}/${a.family === 6 ? 128 : 32}`);
  }
  return [...new Set(out)];
}

const CASES: Array<{ lang: Lang; name: string; dependencies: string; source: string; expected: unknown }> = [
  {
    lang: 'python',
    name: 'with_six',
    dependencies: 'six==1.16.0\n',
    source: 'import six\n\ndef handler(input, ctx):\n    return {"six": six.__version__, "text": six.ensure_text(b"ok")}\n',
    expected: { six: '1.16.0', text: 'ok' },
  },
  {
    lang: 'node',
    name: 'with_lodash',
    dependencies: JSON.stringify({ dependencies: { lodash: '4.17.21' } }),
    source: "import _ from 'lodash';\nexport default async function handler(input) { return { lodash: _.VERSION, chunks: _.chunk(input.xs, 2) }; }\n",
    expected: { lodash: '4.17.21', chunks: [[1, 2], [3]] },
  },
];

describe('code executor dependencies from the real registries', () => {
  let s: TestServer;

  beforeAll(async () => {
    s = await startTestServer('sqlite', { ...SANDBOXED, egressAllowCidrs: ['127.0.0.1/32', ...(await registryMirrorCidrs())] });
  });
  afterAll(async () => {
    await s?.close();
  });

  it.each(CASES)('$lang: not ready (or ok) right after saving, the build log is readable, then the package imports', async (c) => {
    await putCode(s, c.name, c.lang, c.source, { dependencies: c.dependencies, memoryMb: 128 });

    // Right after saving: the build runs in the background; an invocation must not hang or crash meanwhile.
    const early = await invoke(s, c.name, { xs: [1, 2, 3] });
    if (early.status === 'error') {
      expect(early.error.code).toBe('DEPENDENCIES_NOT_READY');
      expect(['pending', 'building']).toContain(early.error.details.status);
      expect(early.error.message).toContain(`/api/executors/${c.name}/dependencies`);
    } else {
      expect(early.output).toEqual(c.expected);
    }

    const first = await s.api('GET', `/api/executors/${c.name}/dependencies`);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ language: c.lang, key: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(['pending', 'building', 'ready']).toContain(first.body.status);

    const done = await waitFor(async () => {
      const d = (await s.api('GET', `/api/executors/${c.name}/dependencies`)).body;
      return d.status === 'ready' || d.status === 'failed' ? d : undefined;
    }, `the ${c.lang} dependency build`, BUILD_DEADLINE_MS, 250);
    // A failed build (e.g. no network to the registry) fails here, loudly, with the installer's log.
    expect(done.status, `build failed: ${done.error}\n${done.log}`).toBe('ready');
    expect(done.key).toBe(first.body.key);
    expect(done.log).toContain(c.lang === 'python' ? 'six' : 'package');

    const r = await invokeOk(s, c.name, { xs: [1, 2, 3] });
    expect(r.output).toEqual(c.expected);
  }, BUILD_DEADLINE_MS + 30_000);
});
