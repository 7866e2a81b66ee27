// Shared test helpers: one real sandbox per test file, an in-memory SdkHost, request builders, stray-process checks.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createSandbox, type Sandbox } from '../../src/executors/sandbox/index.js';
import type { CodeLanguage, CodeMode, CodeRunRequest, SdkCall, SdkHost } from '../../src/executors/sandbox/contract.js';
import type { SandboxLimits } from '../../src/executors/sandbox/limits.js';

export const LANGS: CodeLanguage[] = ['python', 'node', 'php'];

export function tempDir(prefix = 'outrigger-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** A real sandbox with small limits so that breaches are quick. */
export async function makeSandbox(limits: Partial<SandboxLimits> = {}, egressAllowCidrs: string[] = []): Promise<Sandbox> {
  const dataDir = tempDir('outrigger-data-');
  // Traversable, not listable: the sandbox uid must reach <dataDir>/deps to bind dependency trees.
  fs.chmodSync(dataDir, 0o711);
  const sb = await createSandbox({
    dataDir,
    limits: { tmpBytes: 8 * 1024 * 1024, logBytes: 256 * 1024, pids: 32, idleMs: 60_000, sparesPerLanguage: 0, ...limits },
    egressAllowCidrs,
    logger: { info: () => undefined, warn: () => undefined, error: (m) => console.error(m) },
  });
  const close = sb.close.bind(sb);
  sb.close = async () => {
    await close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
  return sb;
}

/** The platform side of the SDK, in memory; records every call. */
export class MemoryHost implements SdkHost {
  readonly calls: SdkCall[] = [];
  readonly storage = new Map<string, unknown>();
  readonly events: { type: string; data: unknown }[] = [];
  secrets: Record<string, string> = { API_KEY: 's3cr3t' };

  async handle(call: SdkCall): Promise<unknown> {
    this.calls.push(call);
    const a = call.args;
    const fail = (code: string, message: string) => Promise.reject(Object.assign(new Error(message), { code }));
    switch (call.op) {
      case 'secret':
        return a.name as string in this.secrets ? this.secrets[a.name as string] : fail('NOT_FOUND', `secret ${String(a.name)} does not exist`);
      case 'storage.get':
        return this.storage.get(a.key as string) ?? null;
      case 'storage.set':
        this.storage.set(a.key as string, a.value);
        return null;
      case 'storage.delete':
        return this.storage.delete(a.key as string);
      case 'storage.list':
        return [...this.storage.keys()].filter((k) => k.startsWith((a.prefix as string) ?? '')).sort();
      case 'api.request':
        return { method: a.method, path: a.path, body: a.body ?? null };
      case 'udf':
        if (a.name === 'failing') return fail('RUNTIME_ERROR', 'udf failed on purpose');
        return { udf: a.name, got: a.input };
      case 'emit':
        this.events.push({ type: a.type as string, data: a.data });
        return null;
      default:
        return fail('UNKNOWN_OPERATION', call.op);
    }
  }
}

let seq = 0;

/** A request with a fresh execution, a 60 s outer deadline and small defaults. */
export function req(language: CodeLanguage, source: string, over: Partial<CodeRunRequest> & { mode?: CodeMode } = {}): CodeRunRequest {
  const timeoutMs = over.timeoutMs ?? 5000;
  return {
    workspaceId: 'ws1',
    poolKey: `pool-${language}-${++seq}`,
    language,
    mode: 'handler',
    source,
    input: {},
    timeoutMs,
    memoryMb: 64,
    egress: [],
    host: new MemoryHost(),
    ...over,
    execution: { id: `exec-${seq}`, trigger: 'test', attempt: 1, executorName: 'test_exec', version: 3, deadline: Date.now() + timeoutMs + 1000, ...over.execution },
  };
}

/** Host pids whose command line contains the marker (strays left by a sandbox). */
export function processesWith(marker: string): number[] {
  const found: number[] = [];
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d) || Number(d) === process.pid) continue;
    try {
      if (fs.readFileSync(`/proc/${d}/cmdline`, 'utf8').includes(marker)) found.push(Number(d));
    } catch {
      // exited meanwhile
    }
  }
  return found;
}

/** Trivial handlers that echo the input: used to prove a pool still works after a breach. */
export const ECHO: Record<CodeLanguage, string> = {
  python: 'def handler(input, ctx):\n    return {"echo": input}\n',
  node: 'export default async function handler(input, ctx) { return { echo: input }; }\n',
  php: '<?php\nfunction handler(array $input, Outrigger\\Context $ctx): mixed { return ["echo" => $input]; }\n',
};
