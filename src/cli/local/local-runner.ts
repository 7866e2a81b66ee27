// Runs executor folders on this machine (`outrigger run`): the server's sandbox and SDK, no server and no database.
// UDF calls go to sibling folders of the same executors directory, with the server's depth and cycle rules.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createSandbox, type InspectRequest, type Sandbox } from '../../executors/sandbox/index.js';
import type { CodeRunResult } from '../../executors/sandbox/contract.js';
import { validateAgainst } from '../../util/json-schema.js';
import { readExecutorFolder } from '../../executors-folder/layout.js';
import { FileStorage, localSdkHost } from './local-host.js';
import { runLocalApiCall } from './local-api-call.js';

/** Nested UDF calls a local run follows, as on the server. */
const MAX_DEPTH = 8;

export interface LocalRunContext {
  dir: string;
  sandbox: Sandbox;
  secrets: Map<string, string>;
  storage: FileStorage;
  emit(type: string, data: unknown): void;
  api?: { url: string; token?: string };
  /** Where progress and UDF logs go (default the process's stderr). */
  stderr?: (text: string) => void;
  /** `--inspect`: the top-level executor runs under its debugger, with no deadline (UDFs it calls run as usual). */
  inspect?: InspectRequest & { timeoutMs: number };
}

export type LocalResult = Pick<CodeRunResult, 'status' | 'output' | 'error' | 'logs' | 'durationMs' | 'coldStart'> & { executor: string };

const processStderr = (text: string): void => void process.stderr.write(text);

/** A sandbox for local runs; its dependency cache is kept per user under the temp dir (reachable by the sandbox uid). */
export async function localSandbox(o: { noSandbox: boolean; cacheDir?: string; stderr?: (text: string) => void }): Promise<Sandbox> {
  const stderr = o.stderr ?? processStderr;
  const dataDir = o.cacheDir ?? path.join(os.tmpdir(), `outrigger-local-${process.getuid?.() ?? 'user'}`);
  fs.mkdirSync(dataDir, { recursive: true });
  fs.chmodSync(dataDir, 0o711);
  return createSandbox({
    dataDir,
    forceUnsandboxed: o.noSandbox,
    limits: { sparesPerLanguage: 0 },
    logger: { info: () => undefined, warn: (m) => stderr(`warning: ${m}\n`), error: (m) => stderr(`${m}\n`) },
  });
}

/** Runs the executor in `<dir>/<name>` with `input`; `callPath` holds the callers (for cycles and depth). */
export async function runLocal(c: LocalRunContext, name: string, input: unknown, callPath: string[] = [], deadline = 0): Promise<LocalResult> {
  const started = Date.now();
  const fail = (code: string, message: string, details?: Record<string, unknown>): LocalResult => ({
    executor: name, status: 'error', error: { code: code as never, message, ...(details ? { details } : {}) }, logs: [], durationMs: Date.now() - started, coldStart: false,
  });
  const def = readExecutorFolder(c.dir, name).definition;
  const inputErrors = def.inputSchema ? validateAgainst(def.inputSchema, input) : null;
  if (inputErrors) return fail('INPUT_INVALID', `input does not match the input schema of ${name}`, { errors: inputErrors });
  const inspect = callPath.length === 0 ? c.inspect : undefined;
  const timeoutMs = inspect ? inspect.timeoutMs : def.timeoutMs;
  const until = deadline || Date.now() + timeoutMs;
  const checkOutput = (r: LocalResult): LocalResult => {
    const errors = r.status === 'ok' && def.outputSchema ? validateAgainst(def.outputSchema, r.output) : null;
    if (!errors) return r;
    const { output: _output, ...rest } = r;
    return { ...rest, status: 'error', error: { code: 'OUTPUT_INVALID', message: `the output does not match the outputSchema: ${errors.map((e) => `${e.field} ${e.message}`).join('; ')}`, details: { errors } } };
  };
  if (def.type === 'apiCall' || !def.code) {
    const r = await runLocalApiCall(def, input, c.secrets, until);
    return checkOutput({ executor: name, ...(r as Omit<LocalResult, 'executor' | 'durationMs' | 'coldStart'>), durationMs: Date.now() - started, coldStart: false });
  }
  const code = def.code;
  let dependenciesDir: string | undefined;
  if (code.dependencies.trim()) {
    (c.stderr ?? processStderr)(`${name}: installing dependencies (cached after the first run)…\n`);
    c.sandbox.ensureDependencies(code.language, code.dependencies);
    const dep = await c.sandbox.waitForDependencies(code.language, code.dependencies);
    if (dep.status !== 'ready' || !dep.dir) return fail('DEPENDENCIES_NOT_READY', `dependencies of ${name} failed to install: ${dep.error ?? dep.status}`, { log: dep.log.slice(-4000) });
    dependenciesDir = dep.dir;
  }
  const path_ = [...callPath, name];
  const host = localSdkHost({
    secrets: c.secrets,
    storage: c.storage,
    emit: c.emit,
    ...(c.api ? { api: c.api } : {}),
    udf: async (udf, udfInput) => {
      if (path_.includes(udf)) throw Object.assign(new Error(`UDF cycle: ${[...path_, udf].join(' -> ')}`), { code: 'LIMIT_EXCEEDED' });
      if (path_.length >= MAX_DEPTH) throw Object.assign(new Error(`UDF calls nested deeper than ${MAX_DEPTH}`), { code: 'LIMIT_EXCEEDED' });
      if (!fs.existsSync(path.join(c.dir, udf))) throw Object.assign(new Error(`UDF ${udf} has no folder ${path.join(c.dir, udf)}`), { code: 'NOT_FOUND' });
      const r = await runLocal(c, udf, udfInput, path_, until);
      for (const l of r.logs) (c.stderr ?? processStderr)(`  [${udf}] [${l.level}] ${l.message}\n`);
      if (r.status === 'error') throw Object.assign(new Error(r.error!.message), { code: r.error!.code });
      return r.output;
    },
  });
  const r = await c.sandbox.run({
    workspaceId: 'local', poolKey: `local/${name}`, language: code.language, mode: code.mode, source: code.source, input,
    timeoutMs: Math.max(1, Math.min(timeoutMs, until - Date.now())), memoryMb: code.memoryMb, egress: code.egress,
    ...(dependenciesDir ? { dependenciesDir } : {}),
    ...(inspect ? { inspect: { port: inspect.port, codePath: inspect.codePath, ...(inspect.debuggerDir ? { debuggerDir: inspect.debuggerDir } : {}) } } : {}),
    execution: { id: `local_${crypto.randomUUID()}`, trigger: callPath.length ? 'udf' : 'test', attempt: 1, executorName: name, version: 0, deadline: until },
    host,
  });
  return checkOutput({ executor: name, status: r.status, ...(r.status === 'ok' ? { output: r.output } : { error: r.error }), logs: r.logs, durationMs: r.durationMs, coldStart: r.coldStart });
}
