// The host end of the private JSON-line channel (fd 3/4): line framing with a size cap, message checking
// (channel-messages.ts), logs, SDK calls to the SdkHost. Nothing a sandbox sends can throw into the server:
// every malformed, oversized or unexpected message ends that worker as a protocol violation.
import type { Readable, Writable } from 'node:stream';
import type { LogLine, SdkHost } from './contract.js';
import { parseChannelMessage, ProtocolViolation, SDK_OPS, type ChannelMessage, type ErrorReport } from './channel-messages.js';
import { nowIso } from '../../util/time.js';

/** SDK calls one invocation may have in flight at once (Node.js can start many Promises); more are answered with an error. */
export const MAX_CALLS_IN_FLIGHT = 32;

/** Collects what one invocation produced: logs (capped), the result or script output, SDK calls answered. */
export class InvocationState {
  readonly logs: LogLine[] = [];
  logBytes = 0;
  result: Extract<ChannelMessage, { t: 'result' }> | null = null;
  output: { value: unknown } | null = null;
  scriptError: Record<string, unknown> | null = null;
  logOverflow = false;
  callsInFlight = 0;

  constructor(
    readonly host: SdkHost,
    private readonly maxLogBytes: number,
    private readonly onLogOverflow: () => void,
    private readonly onLog?: (line: LogLine) => void,
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
    const line: LogLine = { ts: nowIso(), level, message };
    this.logs.push(line);
    this.onLog?.(line);
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

  /** The code's own error report of a failed result, without code and message (they are the error's fields). */
  reportedError(): ErrorReport | null {
    return this.result && !this.result.ok ? this.result.error : null;
  }
}

export interface ChannelLimits {
  /** Longest line accepted from the sandbox; a longer one calls onOverflow (the output cap). */
  maxLineBytes: number;
  /** Largest answer to an SDK call; a bigger one is answered with LIMIT_EXCEEDED, which the code sees as an SDK error. */
  maxReplyBytes: number;
}

/** Reads JSON lines from fd 4; answers SDK calls on fd 3. */
export class ChannelReader {
  private chunks: Buffer[] = [];
  private size = 0;
  private readySeen = false;
  private broken = false;
  current: InvocationState | null = null;
  /** Called for `result`, `output` and `error` messages after they are recorded. */
  onSettled: (() => void) | null = null;
  /** Called when a spare announces it is booted and waits for code. */
  onReady: (() => void) | null = null;

  constructor(
    from: Readable,
    private readonly to: Writable,
    private readonly limits: ChannelLimits,
    private readonly onOverflow: () => void,
    private readonly onProtocolError: (why: string) => void,
  ) {
    from.on('data', (d: Buffer) => this.feed(d));
    from.on('error', () => undefined);
    to.on('error', () => undefined);
  }

  /** Ends the worker once: after a violation nothing more from it is looked at. */
  private violation(why: string): void {
    if (this.broken) return;
    this.broken = true;
    this.chunks = [];
    this.size = 0;
    try {
      this.onProtocolError(why);
    } catch {
      // the owner's kill must not throw either; the process ends with the sandbox anyway
    }
  }

  private feed(d: Buffer): void {
    if (this.broken) return;
    let start = 0;
    for (let i = d.indexOf(10); i >= 0 && !this.broken; i = d.indexOf(10, start)) {
      this.chunks.push(d.subarray(start, i));
      const line = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
      this.chunks = [];
      this.size = 0;
      start = i + 1;
      if (line.length > this.limits.maxLineBytes) {
        this.broken = true;
        this.onOverflow();
        return;
      }
      if (line.length > 0) this.dispatch(line);
    }
    if (start < d.length && !this.broken) {
      this.chunks.push(d.subarray(start));
      this.size += d.length - start;
      if (this.size > this.limits.maxLineBytes) {
        this.chunks = [];
        this.size = 0;
        this.broken = true;
        this.onOverflow();
      }
    }
  }

  private dispatch(line: Buffer): void {
    let msg: ChannelMessage;
    try {
      msg = parseChannelMessage(line);
    } catch (e) {
      this.violation(e instanceof ProtocolViolation ? e.message : 'unreadable message');
      return;
    }
    if (msg.t === 'ready') {
      // Once, while a spare boots; a second `ready` is not part of the protocol.
      if (this.readySeen) return this.violation('ready sent twice');
      this.readySeen = true;
      this.onReady?.();
      return;
    }
    const st = this.current;
    // Between invocations nothing may be said: code still running after it returned (a thread, a timer) ends its worker.
    if (!st) return this.violation(`${msg.t} message outside an invocation`);
    switch (msg.t) {
      case 'log':
        st.log(msg.level, msg.message);
        return;
      case 'call':
        void this.answer(st, msg);
        return;
      case 'result':
        if (st.result) return this.violation('second result for one invocation');
        st.result = msg;
        break;
      case 'output':
        st.output = { value: msg.value };
        return;
      case 'error':
        st.scriptError = msg.error;
        return;
    }
    this.onSettled?.();
  }

  /** Answers one SDK call; never rejects (every failure becomes an error answer or is dropped with the invocation). */
  private async answer(st: InvocationState, msg: Extract<ChannelMessage, { t: 'call' }>): Promise<void> {
    const { id, op } = msg;
    let reply: string;
    try {
      let body: { ok: true; value: unknown } | { ok: false; error: { code: string; message: string; details?: unknown } };
      if (!SDK_OPS.has(op)) {
        body = { ok: false, error: { code: 'UNKNOWN_OPERATION', message: `unknown SDK operation ${op}` } };
      } else if (st.callsInFlight >= MAX_CALLS_IN_FLIGHT) {
        body = { ok: false, error: { code: 'LIMIT_EXCEEDED', message: `more than ${MAX_CALLS_IN_FLIGHT} SDK calls in flight at once` } };
      } else {
        st.callsInFlight++;
        try {
          body = { ok: true, value: (await st.host.handle({ op, args: msg.args })) ?? null };
        } catch (e) {
          const err = e as { code?: unknown; message?: unknown; details?: unknown };
          body = { ok: false, error: { code: typeof err.code === 'string' ? err.code : 'SDK_ERROR', message: String(err.message ?? e), details: err.details } };
        } finally {
          st.callsInFlight--;
        }
      }
      reply = JSON.stringify({ t: 'return', id, ...body });
      if (reply.length > this.limits.maxReplyBytes) {
        reply = JSON.stringify({ t: 'return', id, ok: false, error: { code: 'LIMIT_EXCEEDED', message: `the answer to ${op} exceeds ${this.limits.maxReplyBytes} bytes` } });
      }
    } catch (e) {
      reply = JSON.stringify({ t: 'return', id, ok: false, error: { code: 'SDK_ERROR', message: `the answer to ${op} could not be sent: ${(e as Error).message}` } });
    }
    if (this.current !== st || this.broken || this.to.destroyed || !this.to.writable) return; // the invocation ended meanwhile
    try {
      this.to.write(reply + '\n');
    } catch {
      // the sandbox closed its end; the exit is seen by the owner
    }
  }
}
