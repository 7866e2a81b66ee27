// Real HTTP against a listening test server (undici), for races that must interleave real connections and transactions.
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';
import { ADMIN_TOKEN, type TestServer } from './server.js';

export interface HttpClient {
  url: string;
  /** Sends one request and parses a JSON answer (problem+json included). */
  call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any; headers: Record<string, string | string[] | undefined> }>;
  close(): Promise<void>;
}

/** Makes the test server listen on an ephemeral port and returns a client with up to `connections` sockets. */
export async function listen(s: TestServer, connections = 1000): Promise<HttpClient> {
  await s.o.app.listen({ host: '127.0.0.1', port: 0 });
  const url = `http://127.0.0.1:${(s.o.app.server.address() as AddressInfo).port}`;
  const pool = new Pool(url, { connections, pipelining: 1 });
  return {
    url,
    async call(method, path, body, headers = {}) {
      const res = await pool.request({
        method: method as 'GET', path,
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
        ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
      });
      const text = await res.body.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : null;
      } catch { /* not JSON: keep the text */ }
      return { status: res.statusCode, body: parsed, headers: res.headers };
    },
    close: () => pool.close(),
  };
}
