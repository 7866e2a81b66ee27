// The host end of the private JSON-line channel (fd 3/4): line framing with a size cap, logs, SDK calls to the SdkHost.
import type { Readable, Writable } from 'node:stream';
import type { LogLine, SdkHost } from './contract.js';

/** SDK operations a sandbox may ask for (contract.ts); anything else is refused without reaching the host. */
const OPS = new Set(['secret', 'storage.get', 'storage.set', 'storage.delete', 'storage.list', 'api.request', 'udf', 'emit']);
const LEVELS = new Set(['debug', 'info', 'warn', 'error']);

export type SandboxMessage = { t: string; [k: string]: unknown };

/** Collects what one invocation produced: logs (capped), the result or script output, SDK calls answered. */
export class InvocationState {
  readonly logs: LogLine[] = [];
  logBytes = 0;
  result: SandboxMessage | null = null;
  output: { value: unknown } | null = null;
  scriptError: Record<string, unknown> | null = null;
  logOverflow = false;

  constructor(
    readonly host: SdkHost,
    private readonly maxLogBytes: number,
    private readonly onLogOverflow: () => void,
  ) {}

  /** Appends a log line; past the cap the invocation is ended with LIMIT_EXCEEDED (by the owner's kill). */
  log(level: LogLine['level'], message: string): void {
    if (this.logOverflow) return;
    this.logBytes += message.length + 1;
    if (this.logBytes > this.maxLogBytes) {
      this.logOverflow = true;
      this.onLogOverflow();
      return;
    }
    this.logs.push({ ts: new Date().toISOString(), level, message });
  }

  /** Raw stdout/stderr bytes of the sandbox (logs in handler mode, stderr in script mode). */
  raw(level: LogLine['level'], chunk: string, partial: { text: string }): void {
    partial.text += chunk;
    const lines = partial.text.split('\n');
    partial.text = lines.pop() ?? '';
    for (const l of lines) this.log(level, l);
    if (partial.text.length > 64 * 1024) {
      this.log(level, partial.text);
      partial.text = '';
    }
  }
}

/** Reads JSON lines from fd 4; a line longer than maxLineBytes calls onOverflow (the output cap) instead of buffering on. */
export class ChannelReader {
  private chunks: Buffer[] = [];
  private size = 0;
  current: InvocationState | null = null;
  /** Called for `result`, `output` and `error` messages after they are recorded. */
  onSettled: (() => void) | null = null;
  /** Called when a spare announces it is booted and waits for code. */
  onReady: (() => void) | null = null;

  constructor(
    from: Readable,
    private readonly to: Writable,
    private readonly maxLineBytes: number,
    private readonly onOverflow: () => void,
    private readonly onProtocolError: (why: string) => void,
  ) {
    from.on('data', (d: Buffer) => this.feed(d));
    from.on('error', () => undefined);
    to.on('error', () => undefined);
  }

  private feed(d: Buffer): void {
    let start = 0;
    for (let i = d.indexOf(10); i >= 0; i = d.indexOf(10, start)) {
      this.chunks.push(d.subarray(start, i));
      const line = Buffer.concat(this.chunks).toString('utf8');
      this.chunks = [];
      this.size = 0;
      start = i + 1;
      if (line) this.dispatch(line);
    }
    if (start < d.length) {
      this.chunks.push(d.subarray(start));
      this.size += d.length - start;
      if (this.size > this.maxLineBytes) {
        this.chunks = [];
        this.size = 0;
        this.onOverflow();
      }
    }
  }

  private dispatch(line: string): void {
    let msg: SandboxMessage;
    try {
      msg = JSON.parse(line) as SandboxMessage;
    } catch {
      this.onProtocolError('unparseable message from the sandbox');
      return;
    }
    if (msg.t === 'ready') {
      this.onReady?.();
      return;
    }
    const st = this.current;
    if (!st) return; // between invocations nothing may be said; ignored
    switch (msg.t) {
      case 'log':
        st.log(LEVELS.has(msg.level as string) ? (msg.level as LogLine['level']) : 'info', String(msg.message ?? ''));
        return;
      case 'call':
        void this.answer(st, msg);
        return;
      case 'result':
        st.result = msg;
        break;
      case 'output':
        st.output = { value: msg.value };
        return;
      case 'error':
        st.scriptError = (msg.error as Record<string, unknown>) ?? null;
        return;
      default:
        return;
    }
    this.onSettled?.();
  }

  private async answer(st: InvocationState, msg: SandboxMessage): Promise<void> {
    const id = msg.id;
    const op = String(msg.op);
    const args = msg.args && typeof msg.args === 'object' ? (msg.args as Record<string, unknown>) : {};
    let reply: SandboxMessage;
    if (!OPS.has(op)) {
      reply = { t: 'return', id, ok: false, error: { code: 'UNKNOWN_OPERATION', message: `unknown SDK operation ${op}` } };
    } else {
      try {
        const value = await st.host.handle({ op, args });
        reply = { t: 'return', id, ok: true, value: value ?? null };
      } catch (e) {
        const err = e as { code?: unknown; message?: unknown; details?: unknown };
        reply = {
          t: 'return',
          id,
          ok: false,
          error: { code: typeof err.code === 'string' ? err.code : 'SDK_ERROR', message: String(err.message ?? e), details: err.details },
        };
      }
    }
    if (this.current !== st || this.to.destroyed) return; // the invocation ended (timeout) meanwhile
    this.to.write(JSON.stringify(reply) + '\n');
  }
}
