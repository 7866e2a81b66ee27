// Types of the Outrigger Node.js SDK (outrigger.mjs) for editors and `tsc --checkJs`: the handler's ctx, fully typed.

/** Any JSON value (what inputs, outputs, storage values and API bodies are). */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** An error answered by the platform (secret missing, UDF failed, …); `code` is the platform's error code. */
export declare class OutriggerError extends Error {
  constructor(code: string, message: string, details?: Record<string, unknown>);
  readonly code: string;
  readonly details?: Record<string, unknown>;
}

/** `ctx.execution`: what is running and how much time is left. */
export declare class Execution {
  readonly id: string;
  readonly trigger: string;
  readonly attempt: number;
  readonly executorName: string;
  readonly version: number;
  /** Epoch milliseconds. */
  readonly deadline: number;
  readonly remainingMs: number | null;
}

/** One stored object, as `storage.list` returns it. */
export interface StorageEntry<V = Json> {
  key: string;
  value: V;
  expiresAt: string | null;
}

/** `ctx.storage`: the workspace's key-value objects (JSON values, optional time to live). */
export interface Storage {
  get<V = Json>(key: string): Promise<V | null>;
  set(key: string, value: Json, ttlSeconds?: number): Promise<void>;
  delete(key: string): Promise<unknown>;
  /** One page in key order; pass the last key as `after` for the next page. */
  list<V = Json>(prefix?: string, after?: string): Promise<Array<StorageEntry<V>>>;
}

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** `ctx.api`: the platform's own API, as the executing workspace. */
export interface Api {
  request<R = Json>(method: HttpMethod | Lowercase<HttpMethod>, path: string, body?: Json): Promise<R>;
  get<R = Json>(path: string): Promise<R>;
  post<R = Json>(path: string, body?: Json): Promise<R>;
  put<R = Json>(path: string, body?: Json): Promise<R>;
  patch<R = Json>(path: string, body?: Json): Promise<R>;
  delete<R = Json>(path: string): Promise<R>;
}

/** The `ctx` handed to `handler(input, ctx)`; every call but log returns a Promise. */
export declare class Context {
  readonly execution: Execution;
  readonly storage: Storage;
  readonly api: Api;
  log(message: unknown, level?: LogLevel): void;
  /** The value of a workspace secret; rejects with OutriggerError NOT_FOUND when there is none. */
  secret(name: string): Promise<string>;
  /** Calls a UDF binding and waits for its output. */
  udf<R = Json>(name: string, input?: Json): Promise<R>;
  /** Emits a custom event (`custom.*`) into the workspace's event pipeline. */
  emit(type: string, data?: Json): Promise<unknown>;
}

/** A handler-mode executor: `export default async function handler(input, ctx)`; I is the input, O the output. */
export type Handler<I = Json, O = Json> = (input: I, ctx: Context) => O | Promise<O>;

// Script mode: module-level calls plus input() and output(value).
export declare const ctx: Context;
export declare const log: Context['log'];
export declare const secret: Context['secret'];
export declare const udf: Context['udf'];
export declare const emit: Context['emit'];
export declare const storage: Storage;
export declare const api: Api;
export declare const execution: Execution;
/** Script mode: the invocation input. */
export declare function input<I = Json>(): I;
/** Script mode: sets the output. */
export declare function output(value: Json): void;

declare const sdk: { ctx: Context; log: Context['log']; secret: Context['secret']; udf: Context['udf']; emit: Context['emit']; storage: Storage; api: Api; execution: Execution; input: typeof input; output: typeof output; Context: typeof Context; OutriggerError: typeof OutriggerError };
export default sdk;
