// The SDK host of a local run (`outrigger run`): secrets from a .env-style file, storage in a JSON file, UDFs as
// sibling executor folders, the platform API only when OUTRIGGER_URL is set, events printed. No server, no database.
import fs from 'node:fs';
import type { SdkCall, SdkHost } from '../../executors/sandbox/contract.js';
import { CliError } from '../client.js';
import { iso } from '../../util/time.js';

/** Reads `KEY=value` lines (`#` comments, optional quotes, `export ` prefix) like a .env file. */
export function readSecretsFile(file: string): Map<string, string> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new CliError(`cannot read the secrets file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const out = new Map<string, string>();
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!m) throw new CliError(`${file}:${i + 1}: expected NAME=value`);
    let v = m[2]!;
    if (v.length >= 2 && ((v.startsWith('"') && v.endsWith('"')) || (v.startsWith("'") && v.endsWith("'")))) v = v.slice(1, -1);
    out.set(m[1]!, v);
  });
  return out;
}

/** Storage objects of a local run: a JSON file `{key: {value, expiresAt?}}`, written after every change. */
export class FileStorage {
  private data: Record<string, { value: unknown; expiresAt?: string }> = {};

  constructor(private readonly file: string | null) {
    if (file && fs.existsSync(file)) {
      try {
        this.data = JSON.parse(fs.readFileSync(file, 'utf8')) as typeof this.data;
      } catch (e) {
        throw new CliError(`the storage file ${file} is not JSON: ${(e as Error).message}`);
      }
    }
  }

  private live(key: string): { value: unknown; expiresAt?: string } | undefined {
    const o = this.data[key];
    if (o?.expiresAt && Date.parse(o.expiresAt) <= Date.now()) return undefined;
    return o;
  }

  get(key: string): unknown {
    return this.live(key)?.value ?? null;
  }

  set(key: string, value: unknown, ttlSeconds?: number): void {
    this.data[key] = { value, ...(ttlSeconds ? { expiresAt: iso(Date.now() + ttlSeconds * 1000) } : {}) };
    this.save();
  }

  delete(key: string): boolean {
    const had = this.live(key) !== undefined;
    delete this.data[key];
    this.save();
    return had;
  }

  list(prefix: string): { key: string; value: unknown; expiresAt: string | null }[] {
    return Object.keys(this.data).sort().filter((k) => k.startsWith(prefix) && this.live(k)).map((k) => ({ key: k, value: this.data[k]!.value, expiresAt: this.data[k]!.expiresAt ?? null }));
  }

  private save(): void {
    if (this.file) fs.writeFileSync(this.file, JSON.stringify(this.data, null, 2) + '\n');
  }
}

export interface LocalHostOptions {
  secrets: Map<string, string>;
  storage: FileStorage;
  /** Runs a UDF (a sibling executor folder) and returns its output or throws its error. */
  udf(name: string, input: unknown): Promise<unknown>;
  /** Where `ctx.emit` goes (stderr by default). */
  emit(type: string, data: unknown): void;
  /** The server for `ctx.api` (OUTRIGGER_URL, OUTRIGGER_TOKEN); absent: a clear error naming the call. */
  api?: { url: string; token?: string };
}

function fail(code: string, message: string): never {
  throw Object.assign(new Error(message), { code });
}

function str(args: Record<string, unknown>, key: string): string {
  const v = args[key];
  if (typeof v !== 'string' || v === '') fail('INVALID_ARGUMENTS', `${key} must be a non-empty string`);
  return v;
}

/** The SdkHost of one local execution. */
export function localSdkHost(o: LocalHostOptions): SdkHost {
  return {
    async handle(call: SdkCall): Promise<unknown> {
      const a = call.args;
      switch (call.op) {
        case 'secret': {
          const name = str(a, 'name');
          const v = o.secrets.get(name);
          if (v === undefined) fail('NOT_FOUND', `secret ${name} does not exist (add ${name}=… to the --secrets file)`);
          return v;
        }
        case 'storage.get':
          return o.storage.get(str(a, 'key'));
        case 'storage.set':
          o.storage.set(str(a, 'key'), a.value, typeof a.ttlSeconds === 'number' ? a.ttlSeconds : undefined);
          return null;
        case 'storage.delete':
          return o.storage.delete(str(a, 'key'));
        case 'storage.list':
          return o.storage.list(typeof a.prefix === 'string' ? a.prefix : '');
        case 'udf':
          return o.udf(str(a, 'name'), a.input ?? {});
        case 'emit': {
          const type = str(a, 'type');
          o.emit(type.startsWith('custom.') ? type : `custom.${type}`, a.data ?? null);
          return { id: 'local' };
        }
        case 'api.request': {
          const method = str(a, 'method').toUpperCase();
          const p = str(a, 'path');
          if (!o.api) fail('NOT_AVAILABLE', `ctx.api ${method} ${p}: no server in a local run (set OUTRIGGER_URL and OUTRIGGER_TOKEN to send it to one)`);
          const res = await fetch(new URL(p.startsWith('/api') ? p : `/api${p}`, o.api.url), {
            method,
            headers: { ...(o.api.token ? { authorization: `Bearer ${o.api.token}` } : {}), ...(a.body !== undefined ? { 'content-type': 'application/json' } : {}) },
            ...(a.body !== undefined ? { body: JSON.stringify(a.body) } : {}),
          });
          const text = await res.text();
          let body: unknown = text;
          try {
            body = text ? JSON.parse(text) : null;
          } catch {
            // not JSON: returned as text
          }
          if (res.status >= 400) fail((body as { code?: string } | null)?.code ?? `HTTP_${res.status}`, `${method} ${p} answered ${res.status}`);
          return body;
        }
        default:
          return fail('UNKNOWN_OPERATION', `unknown SDK operation ${call.op}`);
      }
    },
  };
}
