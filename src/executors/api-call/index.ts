// The apiCall executor type (SPEC 2.2): builds the request, signs it, sends it under the egress policy, maps the response.
import { request, type Dispatcher } from 'undici';
import { Webhook } from 'standardwebhooks';
import { InvocationError } from '../../errors.js';
import type { ExecutorDefinition } from '../definition.js';
import type { RunContext } from '../run-context.js';
import { isIpLiteral, type AddressPolicy } from '../egress/address-policy.js';
import { referencedInputKeys, referencedSecrets, renderTemplate, renderUrlTemplate } from './template.js';

export const API_CALL_MAX_RESPONSE_BYTES = 10 * 1024 * 1024;
const BODY_EXCERPT_CHARS = 2000;

export interface ApiCallDeps {
  dispatcher: Dispatcher;
  policy: AddressPolicy;
  userAgent: string;
}

/** Query string for GET/DELETE: scalars as k=v, arrays as repeated keys, objects as JSON text. */
export function appendQuery(url: URL, input: unknown, skip: Set<string>): void {
  if (!input || typeof input !== 'object' || Array.isArray(input)) return;
  const text = (v: unknown) => (typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v));
  for (const [k, v] of Object.entries(input)) {
    if (skip.has(k) || v === undefined) continue;
    if (Array.isArray(v)) for (const item of v) url.searchParams.append(k, text(item));
    else url.searchParams.append(k, text(v));
  }
}

async function readCapped(body: Dispatcher.ResponseData['body']): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += (chunk as Buffer).length;
    if (size > API_CALL_MAX_RESPONSE_BYTES) {
      body.destroy();
      throw new InvocationError('OUTPUT_INVALID', `the response is larger than ${API_CALL_MAX_RESPONSE_BYTES} bytes`);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function causeChain(err: unknown): unknown[] {
  const out: unknown[] = [];
  let cur: unknown = err;
  while (cur && out.length < 5) {
    out.push(cur);
    cur = (cur as { cause?: unknown }).cause;
  }
  return out;
}

/** Runs an apiCall executor and returns the parsed JSON response, or throws an InvocationError. */
export async function runApiCall(def: ExecutorDefinition, input: unknown, ctx: RunContext, deps: ApiCallDeps): Promise<unknown> {
  const spec = def.apiCall!;
  const headerTemplates = Object.values(spec.headers);
  const secretNames = referencedSecrets([spec.url, ...headerTemplates]);
  if (spec.signingSecret) secretNames.push(spec.signingSecret);
  const secrets = await ctx.revealSecrets(secretNames);
  const missing = secretNames.filter((n) => !secrets.has(n));
  if (missing.length) throw new InvocationError('NOT_FOUND', `secret ${missing.join(', ')} does not exist; nothing was sent`, { secrets: missing });

  const scope = { input, executionId: ctx.executionId, secrets };
  const url = new URL(renderUrlTemplate(spec.url, scope));
  const method = spec.method;
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(spec.headers)) headers[k.toLowerCase()] = renderTemplate(v, scope, false);
  headers['user-agent'] = deps.userAgent;
  headers['x-outrigger-execution-id'] = ctx.executionId;

  let body: string | undefined;
  if (method === 'GET' || method === 'DELETE') {
    appendQuery(url, input, referencedInputKeys(spec.url));
  } else {
    body = JSON.stringify(input ?? {});
    headers['content-type'] ??= 'application/json';
  }
  if (spec.signingSecret) {
    // Standard Webhooks signs the body only: a query string would travel unauthenticated. Saving refuses this
    // combination; a version stored before that rule fails here, before anything is sent.
    if (body === undefined) {
      throw new InvocationError('RUNTIME_ERROR', `signingSecret cannot sign a ${method} request: Standard Webhooks authenticates the body, and ${method} sends the input in the query string; nothing was sent (use POST, PUT or PATCH, or drop signingSecret)`);
    }
    try {
      const wh = new Webhook(secrets.get(spec.signingSecret)!);
      const ts = new Date();
      // The id is the receivers' idempotency key: the same across every retry of one delivery; the timestamp and
      // hence the signature are fresh on each attempt, so that receivers' replay windows accept a late retry.
      const msgId = ctx.idempotencyKey;
      headers['webhook-id'] = msgId;
      headers['webhook-timestamp'] = String(Math.floor(ts.getTime() / 1000));
      headers['webhook-signature'] = wh.sign(msgId, ts, body);
    } catch (err) {
      throw new InvocationError('RUNTIME_ERROR', `signing secret ${spec.signingSecret} is not a Standard Webhooks key (whsec_ + base64): ${(err as Error).message}`);
    }
  }

  // Names resolve in the guarded agent's lookup; literal addresses never reach a lookup, so check them here.
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIpLiteral(host) && !deps.policy.allows(host)) {
    throw new InvocationError('EGRESS_DENIED', `egress to ${host} is not allowed: loopback, private, link-local and metadata addresses are refused unless an administrator allows the range`, { host });
  }

  const remaining = ctx.deadline - Date.now();
  if (remaining <= 0) throw new InvocationError('TIMEOUT', `timed out after ${def.timeoutMs} ms before the request was sent`);
  const signal = AbortSignal.timeout(remaining);
  ctx.log('info', `${method} ${url.origin}${url.pathname}`);
  let res: Dispatcher.ResponseData;
  let text: string;
  try {
    res = await request(url, { method, headers, body, signal, dispatcher: deps.dispatcher });
    text = await readCapped(res.body);
  } catch (err) {
    if (err instanceof InvocationError) throw err;
    if (signal.aborted) throw new InvocationError('TIMEOUT', `no complete answer from ${url.host} within ${def.timeoutMs} ms`, { timeoutMs: def.timeoutMs });
    const chain = causeChain(err);
    const denied = chain.find((e) => (e as { code?: string }).code === 'EGRESS_DENIED');
    if (denied) throw new InvocationError('EGRESS_DENIED', (denied as Error).message, { host: url.hostname });
    const code = chain.map((e) => (e as { code?: string }).code).find(Boolean);
    throw new InvocationError('UPSTREAM_UNREACHABLE', `could not reach ${url.host}: ${code ?? (err as Error).message}`, { host: url.host, ...(code ? { cause: code } : {}) });
  }
  ctx.log('info', `${res.statusCode} from ${url.host}`);
  if (res.statusCode < 200 || res.statusCode > 299) {
    throw new InvocationError('UPSTREAM_ERROR', `${url.host} answered ${res.statusCode}`, { status: res.statusCode, body: text.slice(0, BODY_EXCERPT_CHARS) });
  }
  if (text.trim() === '') return null;
  try {
    return JSON.parse(text);
  } catch {
    throw new InvocationError('OUTPUT_INVALID', `${url.host} answered ${res.statusCode} with a body that is not JSON`, { contentType: res.headers['content-type'] ?? null, body: text.slice(0, BODY_EXCERPT_CHARS) });
  }
}
