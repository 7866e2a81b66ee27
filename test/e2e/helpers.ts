// Helpers of the end-to-end suites: code executors created through the REST API of a real sandboxed server.
import { expect } from 'vitest';
import type { TestServer } from '../helpers/server.js';

export type Lang = 'python' | 'node' | 'php';
export const LANGS: Lang[] = ['python', 'node', 'php'];

/** Small limits so that several warm workers fit on a 2-core CI machine. */
export const SANDBOXED = { sandbox: 'required', sandboxSpares: 0 } as const;

export interface CodeOptions {
  mode?: 'handler' | 'script';
  timeoutMs?: number;
  memoryMb?: number;
  dependencies?: string;
  inputSchema?: Record<string, unknown>;
  description?: string;
}

/** The executor body of a code executor. */
export function codeBody(name: string, language: Lang, source: string, o: CodeOptions = {}): Record<string, unknown> {
  return {
    name, type: 'code',
    ...(o.timeoutMs ? { timeoutMs: o.timeoutMs } : {}),
    ...(o.inputSchema ? { inputSchema: o.inputSchema } : {}),
    ...(o.description ? { description: o.description } : {}),
    code: { language, source, mode: o.mode ?? 'handler', memoryMb: o.memoryMb ?? 64, ...(o.dependencies ? { dependencies: o.dependencies } : {}) },
  };
}

/** Creates (or replaces) a code executor through `PUT /api/executors/{name}` and fails the test when refused. */
export async function putCode(s: TestServer, name: string, language: Lang, source: string, o: CodeOptions = {}): Promise<any> {
  const r = await s.api('PUT', `/api/executors/${name}`, codeBody(name, language, source, o));
  if (r.status !== 200 && r.status !== 201) throw new Error(`saving executor ${name} failed: ${r.status} ${r.raw}`);
  return r.body;
}

/** Invokes an executor through the API; the HTTP call itself must succeed (200). */
export async function invoke(s: TestServer, name: string, input: unknown = {}): Promise<any> {
  const r = await s.api('POST', `/api/executors/${name}/invoke`, { input });
  expect(r.status, r.raw).toBe(200);
  return r.body;
}

/** Invokes and expects `status: ok`, showing the error when not. */
export async function invokeOk(s: TestServer, name: string, input: unknown = {}): Promise<any> {
  const r = await invoke(s, name, input);
  expect(r.error, JSON.stringify(r.error)).toBeUndefined();
  expect(r.status).toBe('ok');
  return r;
}

/** Binds a UDF name to an executor. */
export async function bindUdf(s: TestServer, name: string, executor: string): Promise<void> {
  const r = await s.api('POST', '/api/udfs', { name, executor });
  if (r.status !== 201) throw new Error(`binding UDF ${name} failed: ${r.status} ${r.raw}`);
}

export { waitFor } from '../helpers/wait.js';

/** A handler returning `{lang, echo: input}` in each language (used where the point is not language-specific). */
export const ECHO: Record<Lang, string> = {
  python: 'def handler(input, ctx):\n    return {"lang": "python", "echo": input}\n',
  node: "export default async function handler(input, ctx) { return { lang: 'node', echo: input }; }\n",
  php: '<?php\nfunction handler(array $input, Outrigger\\Context $ctx): mixed { return ["lang" => "php", "echo" => $input]; }\n',
};
