// Outrigger SDK for Node.js: ctx.log/secret/storage/api/udf/emit/execution over the private fd 3/4 channel (sdk/PROTOCOL.md).
import net from 'node:net';
import fs from 'node:fs';

/** An error answered by the platform (secret missing, UDF failed, …); `code` is the platform's error code. */
export class OutriggerError extends Error {
  constructor(code, message, details) {
    super(message);
    this.name = 'OutriggerError';
    this.code = code;
    this.details = details;
  }
}

let channel = null;

// Synchronous writes keep logs, SDK calls and the result in order; EAGAIN is retried on a non-blocking fd.
function writeAll(text) {
  let buf = Buffer.from(text);
  while (buf.length > 0) {
    try {
      const n = fs.writeSync(4, buf);
      buf = buf.subarray(n);
    } catch (e) {
      if (e.code !== 'EAGAIN') throw e;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
    }
  }
}

/** fd 3: host -> sandbox, fd 4: sandbox -> host; private socket pairs, never the sandbox network. */
export function _channel() {
  if (channel) return channel;
  const input = new net.Socket({ fd: 3, readable: true, writable: false });
  const pending = new Map();
  let buf = '';
  let nextId = 0;
  const ch = {
    onMessage: null,
    backlog: [],
    keepAlive: false,
    send(msg) {
      writeAll(JSON.stringify(msg) + '\n');
    },
    sendRaw(line) {
      writeAll(line + '\n');
    },
    /** Handler mode: the channel keeps the worker alive. */
    hold() {
      ch.keepAlive = true;
      input.ref();
    },
    call(op, args) {
      const id = ++nextId;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        input.ref(); // an awaited SDK call keeps a script alive until the host answers
        ch.send({ t: 'call', id, op, args });
      });
    },
  };
  input.setEncoding('utf8');
  input.on('data', (d) => {
    buf += d;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      if (!line) continue;
      const msg = JSON.parse(line);
      if (msg.t === 'return') {
        const p = pending.get(msg.id);
        if (!p) continue;
        pending.delete(msg.id);
        if (pending.size === 0 && !ch.keepAlive) input.unref();
        if (msg.ok) p.resolve(msg.value ?? null);
        else p.reject(new OutriggerError(msg.error?.code ?? 'SDK_ERROR', msg.error?.message ?? 'SDK call failed', msg.error?.details));
      } else if (ch.onMessage) ch.onMessage(msg);
      else ch.backlog.push(msg);
    }
  });
  input.on('end', () => process.exit(0));
  // Only the bootstrap keeps the process alive by this socket; a script exits when its work is done.
  input.unref();
  channel = ch;
  return ch;
}

const LEVELS = new Set(['debug', 'info', 'warn', 'error']);

/** `ctx.execution`: id, trigger, attempt, executorName, version, deadline (epoch ms), remainingMs. */
export class Execution {
  constructor(info = {}) {
    this.id = info.id;
    this.trigger = info.trigger;
    this.attempt = info.attempt;
    this.executorName = info.executorName;
    this.version = info.version;
    this.deadline = info.deadline;
  }
  get remainingMs() {
    return this.deadline ? Math.max(0, this.deadline - Date.now()) : null;
  }
}

class Storage {
  get(key) {
    return _channel().call('storage.get', { key });
  }
  set(key, value, ttlSeconds) {
    return _channel().call('storage.set', ttlSeconds === undefined ? { key, value } : { key, value, ttlSeconds });
  }
  delete(key) {
    return _channel().call('storage.delete', { key });
  }
  /** One page of {key, value, expiresAt} in key order; pass the last key as `after` for the next page. */
  list(prefix, after) {
    const args = prefix === undefined ? {} : { prefix };
    if (after !== undefined) args.after = after;
    return _channel().call('storage.list', args);
  }
}

class Api {
  request(method, path, body) {
    return _channel().call('api.request', body === undefined ? { method: method.toUpperCase(), path } : { method: method.toUpperCase(), path, body });
  }
  get(path) {
    return this.request('GET', path);
  }
  post(path, body) {
    return this.request('POST', path, body);
  }
  put(path, body) {
    return this.request('PUT', path, body);
  }
  patch(path, body) {
    return this.request('PATCH', path, body);
  }
  delete(path) {
    return this.request('DELETE', path);
  }
}

/** The `ctx` handed to `handler(input, ctx)`; every call but log returns a Promise. */
export class Context {
  constructor(executionInfo) {
    this.execution = new Execution(executionInfo);
    this.storage = new Storage();
    this.api = new Api();
  }
  log(message, level = 'info') {
    _channel().send({ t: 'log', level: LEVELS.has(level) ? level : 'info', message: typeof message === 'string' ? message : JSON.stringify(message) ?? String(message) });
  }
  secret(name) {
    return _channel().call('secret', { name });
  }
  udf(name, input) {
    return _channel().call('udf', { name, input: input ?? null });
  }
  emit(type, data) {
    return _channel().call('emit', { type, data: data ?? null });
  }
}

// Script mode: module-level calls plus input() and output(value).
export const ctx = new Context(JSON.parse(process.env.OUTRIGGER_EXECUTION || '{}'));
export const log = ctx.log.bind(ctx);
export const secret = ctx.secret.bind(ctx);
export const udf = ctx.udf.bind(ctx);
export const emit = ctx.emit.bind(ctx);
export const storage = ctx.storage;
export const api = ctx.api;
export const execution = ctx.execution;

let inputCache;
/** Script mode: the invocation input (the JSON document on stdin). */
export function input() {
  if (inputCache === undefined) {
    const text = fs.readFileSync(0, 'utf8');
    inputCache = text.trim() ? JSON.parse(text) : null;
  }
  return inputCache;
}

/** Script mode: sets the output (instead of printing JSON to stdout). */
export function output(value) {
  const line = JSON.stringify({ t: 'output', value });
  if (line === undefined || JSON.stringify(value) === undefined) throw new OutriggerError('OUTPUT_INVALID', 'output is not JSON');
  _channel().sendRaw(line);
}

export default { ctx, log, secret, udf, emit, storage, api, execution, input, output, Context, OutriggerError };
