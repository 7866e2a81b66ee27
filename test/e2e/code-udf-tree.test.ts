// UDF chains in real code across languages: one execution tree, cycles refused, the depth limit, a shared deadline.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { MAX_UDF_DEPTH } from '../../src/executors/invoke.service.js';
import { bindUdf, invoke, invokeOk, putCode, SANDBOXED, waitFor } from './helpers.js';

// python → node → php, each adding its own layer to the output.
const CHAIN_PY = `
def handler(input, ctx):
    inner = ctx.udf("to_node", {"path": input["path"] + ["python"]})
    return {"python": ctx.execution.id, "inner": inner}
`;
const CHAIN_NODE = `
export default async function handler(input, ctx) {
  const inner = await ctx.udf('to_php', { path: [...input.path, 'node'] });
  return { node: ctx.execution.id, inner };
}
`;
const CHAIN_PHP = `<?php
function handler(array $input, Outrigger\\Context $ctx): mixed {
    return ['php' => $ctx->execution->id, 'path' => array_merge($input['path'], ['php']), 'trigger' => $ctx->execution->trigger];
}
`;

// Calls the UDF named first in `rest` with the remainder; reports a refused call instead of raising it.
const HOP = `
export default async function handler(input, ctx) {
  const [next, ...rest] = input.rest ?? [];
  if (!next) return { at: ctx.execution.executorName };
  try {
    return { at: ctx.execution.executorName, next: await ctx.udf(next, { rest }) };
  } catch (e) {
    return { at: ctx.execution.executorName, refused: { code: e.code, message: e.message } };
  }
}
`;

describe('UDF chains in code', () => {
  let s: TestServer;

  beforeAll(async () => {
    s = await startTestServer('sqlite', SANDBOXED);
    await putCode(s, 'chain_py', 'python', CHAIN_PY);
    await putCode(s, 'chain_node', 'node', CHAIN_NODE);
    await putCode(s, 'chain_php', 'php', CHAIN_PHP);
    await bindUdf(s, 'to_node', 'chain_node');
    await bindUdf(s, 'to_php', 'chain_php');
    for (const n of ['cyc_a', 'cyc_b']) {
      await putCode(s, n, 'node', HOP);
      await bindUdf(s, n, n);
    }
    for (let i = 0; i <= MAX_UDF_DEPTH + 1; i++) {
      await putCode(s, `deep${i}`, 'node', HOP);
      await bindUdf(s, `deep${i}`, `deep${i}`);
    }
    await putCode(s, 'catcher', 'node', "export default async function handler(input, ctx) {\n  try { return await ctx.udf('raiser', {}); } catch (e) { return { code: e.code, message: e.message }; }\n}\n");
    await putCode(s, 'raiser_impl', 'python', 'def handler(input, ctx):\n    raise KeyError("contract K-9")\n');
    await bindUdf(s, 'raiser', 'raiser_impl');
    await putCode(s, 'impatient', 'python', 'def handler(input, ctx):\n    return ctx.udf("sleepy", {})\n', { timeoutMs: 2500 });
    await putCode(s, 'sleepy_impl', 'node', 'export default async function handler() { await new Promise((r) => setTimeout(r, 20000)); return "late"; }\n', { timeoutMs: 60_000 });
    await bindUdf(s, 'sleepy', 'sleepy_impl');
  });
  afterAll(async () => {
    await s?.close();
  });

  it('python → node → php is one execution tree with one root, parent ids and trigger udf', async () => {
    const r = await invokeOk(s, 'chain_py', { path: [] });
    const rootId = r.executionId;
    expect(r.output.python).toBe(rootId);
    expect(r.output.inner.inner).toMatchObject({ path: ['python', 'node', 'php'], trigger: 'udf' });
    const nodeId = r.output.inner.node;
    const phpId = r.output.inner.inner.php;

    const tree = await s.api('GET', `/api/executions/${rootId}?tree=1`);
    expect(tree.status).toBe(200);
    expect(tree.body.tree).toMatchObject({
      id: rootId, executor: 'chain_py', trigger: 'api', status: 'ok',
      children: [{
        id: nodeId, executor: 'chain_node', trigger: 'udf', triggerRef: 'to_node', status: 'ok',
        children: [{ id: phpId, executor: 'chain_php', trigger: 'udf', triggerRef: 'to_php', status: 'ok', children: [] }],
      }],
    });
    const rows = await s.api('GET', `/api/executions?rootId=${rootId}`);
    const byId = new Map(rows.body.items.map((e: any) => [e.id, e]));
    expect(byId.size).toBe(3);
    expect(byId.get(rootId)).toMatchObject({ parentId: null, rootId });
    expect(byId.get(nodeId)).toMatchObject({ parentId: rootId, rootId, type: 'code' });
    expect(byId.get(phpId)).toMatchObject({ parentId: nodeId, rootId, type: 'code' });
    // The middle of the tree shows its own subtree.
    const mid = await s.api('GET', `/api/executions/${nodeId}?tree=1`);
    expect(mid.body.tree.children.map((c: any) => c.id)).toEqual([phpId]);
  });

  it('an error in a callee reaches the calling code with its code and message', async () => {
    const r = await invokeOk(s, 'catcher');
    expect(r.output.code).toBe('RUNTIME_ERROR');
    expect(r.output.message).toContain('contract K-9');
    const tree = await s.api('GET', `/api/executions/${r.executionId}?tree=1`);
    expect(tree.body.tree).toMatchObject({ status: 'ok', children: [{ executor: 'raiser_impl', status: 'error', errorCode: 'RUNTIME_ERROR' }] });
  });

  it('refuses a cycle (A calls B calls A) with a clear error the code can catch', async () => {
    const r = await invokeOk(s, 'cyc_a', { rest: ['cyc_b', 'cyc_a'] });
    expect(r.output.at).toBe('cyc_a');
    expect(r.output.next.at).toBe('cyc_b');
    expect(r.output.next.refused.code).toBe('LIMIT_EXCEEDED');
    expect(r.output.next.refused.message).toContain('cycle refused: cyc_a → cyc_b → cyc_a');
    // The refused call never ran: it is in the tree as a refusal under B, with nothing below it.
    const tree = await s.api('GET', `/api/executions/${r.executionId}?tree=1`);
    expect(tree.body.tree.children.map((c: any) => c.executor)).toEqual(['cyc_b']);
    expect(tree.body.tree.children[0].children).toMatchObject([{ executor: 'cyc_a', status: 'error', errorCode: 'LIMIT_EXCEEDED', children: [] }]);
  });

  it(`enforces the depth limit (${MAX_UDF_DEPTH} nested calls)`, async () => {
    const names = Array.from({ length: MAX_UDF_DEPTH + 2 }, (_, i) => `deep${i}`);
    const r = await invokeOk(s, 'deep0', { rest: names.slice(1) });
    // Walk down: deep0 … deep8 ran; deep8's call of deep9 was refused.
    let node = r.output;
    const ran: string[] = [];
    while (node.next) {
      ran.push(node.at);
      node = node.next;
    }
    ran.push(node.at);
    expect(ran).toEqual(names.slice(0, MAX_UDF_DEPTH + 1));
    expect(node.refused.code).toBe('LIMIT_EXCEEDED');
    expect(node.refused.message).toContain(`at most ${MAX_UDF_DEPTH} deep`);
    const rows = await s.api('GET', `/api/executions?rootId=${r.executionId}`);
    // deep0 … deep8 ran; deep9 is recorded as the refusal only.
    expect(rows.body.items).toHaveLength(MAX_UDF_DEPTH + 2);
    expect(rows.body.items.filter((e: any) => e.executor === `deep${MAX_UDF_DEPTH + 1}`)).toMatchObject([{ status: 'error', errorCode: 'LIMIT_EXCEEDED', durationMs: expect.any(Number) }]);
  });

  it('a callee shares the caller deadline: a slow callee under a 2.5 s caller ends the chain as TIMEOUT', async () => {
    const r = await invoke(s, 'impatient');
    expect(r.status).toBe('error');
    expect(r.error.code).toBe('TIMEOUT');
    // The callee's own 60 s time-out did not apply (it sleeps 20 s and would answer "late"): the caller's deadline cut it.
    const child = await waitFor(async () => {
      const t = await s.api('GET', `/api/executions/${r.executionId}?tree=1`);
      return t.body.tree.children[0];
    }, 'the callee execution record');
    expect(child).toMatchObject({ executor: 'sleepy_impl', trigger: 'udf', status: 'error', errorCode: 'TIMEOUT' });
  });
});
