// First call after a deploy of an executor with heavy dependencies (Python requests + pydantic, Node zod): the time
// of that call once the dependency build is ready, with the background start of its worker (connectVersions) given
// the moment a user would take to switch from saving to calling.
import { api, type BenchServer } from './lib.js';

const HEAVY = {
  python: {
    dependencies: 'requests==2.32.3\npydantic==2.10.6\n',
    source: 'import requests\nfrom pydantic import BaseModel\n\nclass In(BaseModel):\n    n: int\n\ndef handler(input, ctx):\n    return {"n": In(**input).n + 1, "requests": requests.__version__}\n',
  },
  node: {
    dependencies: JSON.stringify({ dependencies: { zod: '3.24.1' } }),
    source: "import { z } from 'zod';\nconst In = z.object({ n: z.number() });\nexport default async function handler(input) { return { n: In.parse(input).n + 1 }; }\n",
  },
} as const;

/** Saves the executor, waits for its dependency build (at most buildTimeoutMs), then times the first call. */
export async function benchFirstCall(server: BenchServer, language: keyof typeof HEAVY, buildTimeoutMs = 300_000): Promise<number | { error: string }> {
  const name = `bench_first_${language}`;
  await api(server, 'PUT', `/api/executors/${name}`, { name, type: 'code', code: { language, source: HEAVY[language].source, dependencies: HEAVY[language].dependencies } });
  const until = Date.now() + buildTimeoutMs;
  for (;;) {
    const st = await api(server, 'GET', `/api/executors/${name}/dependencies`);
    if (st.status === 'ready') break;
    if (st.status === 'failed') return { error: `dependency build failed: ${String(st.error ?? '').slice(0, 200)}` };
    if (Date.now() > until) return { error: 'dependency build did not finish in time' };
    await new Promise((r) => setTimeout(r, 200));
  }
  // The worker for the new version starts as soon as the build is ready; a user needs longer than this to call.
  await new Promise((r) => setTimeout(r, 1000));
  const t = performance.now();
  const r = await api(server, 'POST', `/api/executors/${name}/invoke`, { input: { n: 1 } });
  const ms = Math.round((performance.now() - t) * 10) / 10;
  if (r.status !== 'ok') return { error: `first call failed: ${JSON.stringify(r.error)}` };
  return ms;
}
