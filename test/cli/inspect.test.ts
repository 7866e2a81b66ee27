// `outrigger run --inspect` over the debuggers' own protocols: a Chrome DevTools Protocol client (ws) on Node's
// inspector and a Debug Adapter Protocol client (@vscode/debugadapter-testsupport) on debugpy stop at a breakpoint set
// on a line of the user's own file, read a variable there, resume, and the run ends with its output; the executors'
// 1 ms timeout shows that a paused debugger is not killed. PHP without Xdebug names what to install.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { runCli } from '../../src/cli/program.js';
import { buildCommand } from '../../src/executors/sandbox/bwrap-command.js';
import { buildLaunch, type SandboxEnv } from '../../src/executors/sandbox/launch-spec.js';
import { DEFAULT_LIMITS } from '../../src/executors/sandbox/limits.js';
import { waitFor } from '../helpers/wait.js';
import type { CliRun } from './harness.js';

let dir: string;

function folder(name: string, language: string, file: string, source: string): string {
  fs.mkdirSync(path.join(dir, 'executors', name), { recursive: true });
  // timeoutMs 1: any deadline left in force would kill the run long before the debugger reaches the breakpoint.
  fs.writeFileSync(path.join(dir, 'executors', name, 'executor.json'), JSON.stringify({ name, type: 'code', timeoutMs: 1, code: { language, mode: 'handler' } }));
  fs.writeFileSync(path.join(dir, 'executors', name, file), source);
  return path.join(dir, 'executors', name, file);
}

/** A CLI run in this process whose stderr can be read while it runs (the debugger's address comes before the end). */
function start(args: string[]): { done: Promise<CliRun>; stderr: () => string; ended: () => boolean } {
  let stdout = '';
  let stderr = '';
  let ended = false;
  const done = runCli(args, {
    stdout: (s) => { stdout += s; },
    stderr: (s) => { stderr += s; },
    env: { PATH: process.env.PATH, HOME: os.tmpdir() },
    cwd: dir,
  }).then((code) => ({ code, stdout, stderr })).finally(() => { ended = true; });
  return { done, stderr: () => stderr, ended: () => ended };
}

/** A port nobody listens on now (the OS picks it), so the test does not meet a debugger someone else runs on 9229/5678. */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((r) => server.close(r));
  return port;
}

/** Processes this test process started (the sandboxes: prlimit/bwrap, or the interpreter with --no-sandbox). */
function childPids(): number[] {
  const out: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === process.pid) out.push(Number(entry));
    } catch {
      // ended while we looked
    }
  }
  return out;
}

/**
 * After a failed assertion the debuggee may still wait for a debugger, with no deadline: end this test's sandboxes
 * by pid (bwrap's pid namespace takes the interpreter and the adapter with it) so that the run settles.
 */
async function endRun(run: ReturnType<typeof start>): Promise<void> {
  if (!run.ended()) for (const pid of childPids()) process.kill(pid, 'SIGKILL');
  await run.done;
}

/** A minimal Chrome DevTools Protocol client: commands by id, events in arrival order. */
class Cdp {
  private id = 0;
  private readonly replies = new Map<number, { resolve: (v: Record<string, unknown>) => void; reject: (e: Error) => void }>();
  private readonly events: { method: string; params: Record<string, unknown> }[] = [];
  /** URL of each parsed script by id (a paused frame names its script by id; its own `url` is deprecated and empty for ES modules). */
  readonly scripts = new Map<string, string>();

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => {
      const m = JSON.parse(data.toString()) as { id?: number; method?: string; params?: Record<string, unknown>; result?: Record<string, unknown>; error?: { message: string } };
      if (m.id !== undefined) {
        const r = this.replies.get(m.id);
        this.replies.delete(m.id);
        if (m.error) r?.reject(new Error(m.error.message));
        else r?.resolve(m.result ?? {});
      } else if (m.method === 'Debugger.scriptParsed') this.scripts.set(String(m.params?.scriptId), String(m.params?.url));
      else if (m.method) this.events.push({ method: m.method, params: m.params ?? {} });
    });
  }

  static async connect(url: string): Promise<Cdp> {
    const ws = new WebSocket(url);
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    return new Cdp(ws);
  }

  send<T = Record<string, unknown>>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    const id = ++this.id;
    return new Promise((resolve, reject) => {
      this.replies.set(id, { resolve: resolve as (v: Record<string, unknown>) => void, reject });
      this.ws.send(JSON.stringify({ id, method, params }));
    });
  }

  /** The next event `method` not taken yet (earlier events of other kinds stay). */
  async next(method: string): Promise<Record<string, unknown>> {
    const i = await waitFor(() => this.events.findIndex((e) => e.method === method) + 1, `CDP event ${method}`);
    return this.events.splice(i - 1, 1)[0]!.params;
  }
}

/** The maintained DAP test client on a socket the test owns (DebugClient.start(port) cannot be closed after a failure). */
class SocketDebugClient extends DebugClient {
  constructor(socket: net.Socket) {
    super('unused', 'unused', 'python');
    this.connect(socket, socket);
  }
}

interface PausedFrame { callFrameId: string; location: { scriptId: string; lineNumber: number } }

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outrigger-inspect-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('outrigger run --inspect', () => {
  it('Node.js: a CDP client sets a breakpoint on the user file, resumes the --inspect-brk pause and stops there', async () => {
    const file = folder('double_node', 'node', 'main.mjs', 'export default async function handler(input) {\n  const doubled = input.n * 2;\n  return { doubled };\n}\n');
    const port = await freePort();
    const run = start(['run', 'executors/double_node', '--input', '{"n":21}', `--inspect=${port}`]);
    let cdp: Cdp | null = null;
    try {
      const wsUrl = await waitFor(() => /WebSocket \(Chrome DevTools Protocol\): (ws:\/\/\S+)/.exec(run.stderr())?.[1] ?? run.ended(), 'the inspector URL on stderr', 60_000);
      expect(String(wsUrl), run.stderr()).toMatch(new RegExp(`^ws://127\\.0\\.0\\.1:${port}/`));
      expect(run.stderr()).toMatch(/Chrome DevTools \(paste into Chrome's address bar\): devtools:\/\/devtools\/bundled\/js_app\.html\?\S*ws=127\.0\.0\.1:/);
      expect(run.stderr()).toContain('timeout (1 ms) is off while inspecting');
      cdp = await Cdp.connect(String(wsUrl));
      await cdp.send('Runtime.enable');
      await cdp.send('Debugger.enable');
      // Line 2 of the user's own file (CDP lines are 0-based): no path mapping, the sandbox runs it under this path.
      const bp = await cdp.send<{ breakpointId: string }>('Debugger.setBreakpointByUrl', { url: pathToFileURL(file).href, lineNumber: 1 });
      await cdp.send('Runtime.runIfWaitingForDebugger');
      const first = await cdp.next('Debugger.paused');
      expect(cdp.scripts.get((first.callFrames as PausedFrame[])[0]!.location.scriptId)).not.toBe(pathToFileURL(file).href); // the --inspect-brk stop
      await cdp.send('Debugger.resume');
      const hit = await cdp.next('Debugger.paused');
      expect(hit.hitBreakpoints).toEqual([bp.breakpointId]);
      const frame = (hit.callFrames as PausedFrame[])[0]!;
      expect(cdp.scripts.get(frame.location.scriptId)).toBe(pathToFileURL(file).href);
      expect(frame.location.lineNumber).toBe(1);
      const n = await cdp.send<{ result: { value: unknown } }>('Debugger.evaluateOnCallFrame', { callFrameId: frame.callFrameId, expression: 'input.n' });
      expect(n.result.value).toBe(21);
      // Not awaited: the handler returns at once and the run ends, its one-run worker with it, maybe before the answer.
      void cdp.send('Debugger.resume');
      const r = await run.done;
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toEqual({ doubled: 42 });
      expect(r.stderr).toMatch(/^ok · .* · INSPECTED$/m);
    } finally {
      cdp?.ws.close();
      await endRun(run);
    }
  }, 120_000);

  it('Python: a DAP client attaches to debugpy, stops at a breakpoint on the user file, continues, the run ends', async () => {
    const file = folder('double_py', 'python', 'main.py', 'def handler(input, ctx):\n    doubled = input["n"] * 2\n    return {"doubled": doubled}\n');
    const port = await freePort();
    const run = start(['run', 'executors/double_py', '--input', '{"n":21}', '--inspect', String(port)]);
    const socket = new net.Socket();
    try {
      // The first run installs debugpy into the dependency cache (a sandboxed pip build): allow for the download.
      await waitFor(() => run.stderr().includes(`debugpy listening on 127.0.0.1:${port}`) || run.ended(), 'debugpy listening', 150_000);
      expect(run.ended(), run.stderr()).toBe(false);
      await new Promise<void>((resolve, reject) => socket.once('error', reject).connect(port, '127.0.0.1', resolve));
      const dc = new SocketDebugClient(socket);
      const initialized = dc.waitForEvent('initialized', 60_000);
      await dc.initializeRequest({ adapterID: 'debugpy', clientID: 'outrigger-test', pathFormat: 'path', linesStartAt1: true, columnsStartAt1: true });
      // debugpy answers attach only after configurationDone: send it, configure, then wait for the answer.
      const attached = dc.attachRequest({ justMyCode: true } as never);
      await initialized;
      await dc.setBreakpointsRequest({ source: { path: file }, breakpoints: [{ line: 2 }] });
      const stopped = dc.waitForEvent('stopped', 60_000);
      await dc.configurationDoneRequest();
      await attached;
      const ev = await stopped;
      expect(ev.body.reason).toBe('breakpoint');
      const trace = await dc.stackTraceRequest({ threadId: ev.body.threadId as number });
      const top = trace.body.stackFrames[0]!;
      expect(top.source?.path).toBe(file);
      expect(top.line).toBe(2);
      const n = await dc.evaluateRequest({ expression: 'input["n"]', frameId: top.id, context: 'repl' });
      expect(n.body.result).toBe('21');
      // Not awaited: the run ends and its sandbox (the adapter too) is gone, maybe before the adapter answers.
      void dc.continueRequest({ threadId: ev.body.threadId as number });
      const r = await run.done;
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toEqual({ doubled: 42 });
      expect(r.stderr).toMatch(/^ok · .* · INSPECTED$/m);
    } finally {
      socket.destroy();
      await endRun(run);
    }
  }, 240_000);

  it('PHP: without Xdebug, --inspect exits 2 naming what to install (with it, the run announces Xdebug)', async () => {
    folder('double_php', 'php', 'main.php', '<?php\nfunction handler(array $input, Outrigger\\Context $ctx): mixed { return ["doubled" => $input["n"] * 2]; }\n');
    const hasXdebug = /^xdebug$/im.test(execFileSync('php', ['-m'], { encoding: 'utf8' }));
    const r = await start(['run', 'executors/double_php', '--input', '{"n":21}', '--inspect']).done;
    if (hasXdebug) {
      // Nothing listens on 9003 here: Xdebug gives up connecting and the code runs undebugged.
      expect(r.stderr).toContain('Xdebug connects to your IDE at 127.0.0.1:9003');
      expect(r.code, r.stderr).toBe(0);
    } else {
      expect(r.code).toBe(2);
      expect(r.stderr).not.toContain('WARNING --inspect'); // nothing ran, nothing was given up
      expect(r.stderr).toMatch(/--inspect for PHP needs the Xdebug extension, which \S+ \(PHP [\d.]+\) does not load: install it \(Debian\/Ubuntu: apt-get install php-xdebug; elsewhere: pecl install xdebug/);
    }
  });

  it('the launch of an inspected sandbox: host network, the file at its own path, deps beside it after the /tmp tmpfs, debugpy in front', () => {
    const env: SandboxEnv = {
      caps: {
        isolated: true, unsandboxed: false, bwrap: { path: '/usr/bin/bwrap', version: '0.8' }, prlimit: null, cgroup: null, seccomp: false, hostUid: 0,
        interpreters: { node: { language: 'node', binary: '/usr/bin/node', version: '20', roBinds: [] }, python: { language: 'python', binary: '/usr/bin/python3', version: '3.11', roBinds: [] } },
        problems: [], degraded: [],
      },
      limits: { ...DEFAULT_LIMITS }, cgroupLayout: null, seccompProgram: null, sdkRoot: '/repo/sdk', undiciDir: null, dataDir: '/data', logger: console,
    };
    const base = { mode: 'handler' as const, source: 'x', memoryMb: 256, cpuSeconds: 10 };
    const node = buildLaunch(env, { ...base, language: 'node', dependenciesDir: '/data/deps/k/tree', inspect: { port: 9300, codePath: '/tmp/w/executors/x/main.mjs' } });
    const args = buildCommand(node.spec).args;
    expect(args.slice(0, 3)).toEqual(['--unshare-all', '--unshare-user', '--share-net']);
    expect(node.spec.dataFiles).toEqual([{ dest: '/tmp/w/executors/x/main.mjs', data: 'x' }]);
    expect(node.spec.env.OUTRIGGER_CODE).toBe('/tmp/w/executors/x/main.mjs');
    const deps = args.findIndex((a, i) => a === '--ro-bind' && args[i + 2] === '/tmp/w/executors/x/node_modules');
    expect(deps).toBeGreaterThan(args.lastIndexOf('--tmpfs'));
    expect(node.spec.argv.slice(0, 2)).toEqual(['/usr/bin/node', '--inspect-brk=127.0.0.1:9300']);
    const py = buildLaunch(env, { ...base, language: 'python', inspect: { port: 5700, codePath: '/home/u/executors/y/main.py', debuggerDir: '/data/deps/d/tree' } });
    expect(py.spec.argv).toEqual(['/usr/bin/python3', '-I', '-S', '-B', '-u', '-X', 'frozen_modules=off', '/opt/outrigger/debugger/debugpy',
      '--listen', '127.0.0.1:5700', '--wait-for-client', '/opt/outrigger/sdk/_bootstrap.py']);
    expect(py.spec.roBindsAt).toContainEqual({ src: '/data/deps/d/tree', dest: '/opt/outrigger/debugger' });
    // Without inspect: the sandbox's own network namespace and /code, as always.
    const plain = buildLaunch(env, { ...base, language: 'node', dependenciesDir: '/data/deps/k/tree' });
    expect(buildCommand(plain.spec).args).not.toContain('--share-net');
    expect(plain.spec.env.OUTRIGGER_CODE).toBe('/code/main.mjs');
    expect(plain.spec.roBindsAt).toContainEqual({ src: '/data/deps/k/tree/node_modules', dest: '/code/node_modules' });
  });

  it('usage errors: a value that is no port, and an executor that is not code', async () => {
    const bad = await start(['run', '--inspect', 'executors/double_node']).done;
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("argument 'executors/double_node' is invalid. not a port from 1 to 65535 (write the folder first");
    fs.mkdirSync(path.join(dir, 'executors', 'ping'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'executors', 'ping', 'executor.json'), JSON.stringify({ name: 'ping', type: 'apiCall', apiCall: { method: 'GET', url: 'https://example.com/ping' } }));
    const api = await start(['run', 'executors/ping', '--inspect']).done;
    expect(api.code).toBe(2);
    expect(api.stderr).toContain('--inspect debugs code executors; ping is an apiCall executor');
  });
});
