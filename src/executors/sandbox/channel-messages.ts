// The messages a sandbox may send on its channel, checked as hostile input: shape, types and sizes, before any use.
// Anything that is not exactly one of these is a protocol violation, which ends the worker (never the server).
import { jsonNestingDepth } from '../../util/safe-json.js';
import type { LogLine } from './contract.js';

/** SDK operations a sandbox may ask for (contract.ts); anything else is refused without reaching the host. */
export const SDK_OPS = new Set(['secret', 'storage.get', 'storage.set', 'storage.delete', 'storage.list', 'api.request', 'reference.request', 'udf', 'emit']);
const LEVELS = new Set<string>(['debug', 'info', 'warn', 'error']);

/**
 * Deepest nesting accepted in a message (envelope included). Deeper values would overflow recursive consumers
 * (JSON.stringify, redaction, the store) in the server; 128 leaves room for real data, far beyond typical ERP payloads.
 */
export const MAX_MESSAGE_DEPTH = 128;
/** Largest SDK call id: ids are per-process counters, a safe integer keeps them exact in every language. */
const MAX_CALL_ID = Number.MAX_SAFE_INTEGER;

export type ErrorReport = { code: string; message: string } & Record<string, unknown>;

export type ChannelMessage =
  | { t: 'ready' }
  | { t: 'log'; level: LogLine['level']; message: string }
  | { t: 'call'; id: number; op: string; args: Record<string, unknown> }
  | { t: 'result'; ok: true; output: unknown; lingering: boolean }
  | { t: 'result'; ok: false; error: ErrorReport; lingering: boolean }
  | { t: 'output'; value: unknown }
  | { t: 'error'; error: Record<string, unknown> };

export class ProtocolViolation extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProtocolViolation';
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function fail(why: string): never {
  throw new ProtocolViolation(why);
}

/** A log message: a string; other scalars (PHP's json_encode may yield false) become text, structures are refused. */
function logText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === null || typeof v === 'number' || typeof v === 'boolean' || v === undefined) return String(v ?? '');
  return fail('log message must be a string');
}

/** An error report from the code: an object; code and message become strings, the rest stays as details. */
function errorReport(v: unknown): ErrorReport {
  if (!isRecord(v)) return fail('error must be an object');
  const code = typeof v.code === 'string' && v.code.length <= 64 ? v.code : 'RUNTIME_ERROR';
  const message = typeof v.message === 'string' ? v.message : String(v.message ?? 'error');
  return { ...v, code, message };
}

/** Parses one line (without its newline) into a checked message; throws ProtocolViolation for anything else. */
export function parseChannelMessage(line: Buffer): ChannelMessage {
  const text = line.toString('utf8');
  // Deep values would overflow recursive consumers in the server (JSON.stringify, redaction, the store).
  if (jsonNestingDepth(text) > MAX_MESSAGE_DEPTH) fail(`message nested deeper than ${MAX_MESSAGE_DEPTH} levels`);
  let msg: unknown;
  try {
    msg = JSON.parse(text);
  } catch {
    return fail('message is not JSON');
  }
  if (!isRecord(msg)) return fail('message must be a JSON object');
  switch (msg.t) {
    case 'ready':
      return { t: 'ready' };
    case 'log': {
      const level = typeof msg.level === 'string' && LEVELS.has(msg.level) ? (msg.level as LogLine['level']) : 'info';
      return { t: 'log', level, message: logText(msg.message) };
    }
    case 'call': {
      const { id, op, args } = msg;
      if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id > MAX_CALL_ID) fail('call id must be a non-negative integer');
      if (typeof op !== 'string' || op.length > 64) fail('call op must be a short string');
      if (args !== undefined && !isRecord(args)) fail('call args must be an object');
      return { t: 'call', id, op, args: (args as Record<string, unknown> | undefined) ?? {} };
    }
    case 'result': {
      // `lingering`: the handler left timers behind (Node.js bootstrap); the host then recycles the worker.
      const lingering = msg.lingering === true;
      if (msg.ok === true) return { t: 'result', ok: true, output: msg.output ?? null, lingering };
      if (msg.ok === false) return { t: 'result', ok: false, error: errorReport(msg.error), lingering };
      return fail('result.ok must be true or false');
    }
    case 'output':
      return { t: 'output', value: msg.value ?? null };
    case 'error':
      if (!isRecord(msg.error)) fail('error must be an object');
      return { t: 'error', error: msg.error as Record<string, unknown> };
    default:
      return fail(`unknown message type ${JSON.stringify(String(msg.t)).slice(0, 40)}`);
  }
}
