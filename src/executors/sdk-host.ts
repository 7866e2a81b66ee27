// The platform side of the code SDK: answers `ctx.secret`, `ctx.storage.*`, `ctx.api.*`, `ctx.udf`, `ctx.emit`
// for one execution, acting strictly within the execution's workspace.
import { InvocationError, ProblemError } from '../errors.js';
import { runAsPartOf } from './nesting.js';
import { mapReferenceRequest, ReferenceMappingError } from './compat/reference-api.js';
import { REFERENCE_API_URL } from './compat/reference-env.js';
import type { StorageService } from '../storage/storage.service.js';
import type { RunContext } from './run-context.js';
import type { SdkCall, SdkHost } from './sandbox/contract.js';
import type { InvokeService } from './invoke.service.js';

/** Calls the platform's own REST API in-process (Fastify inject), as the given bearer token. */
export type PlatformApi = (req: { method: string; path: string; body?: unknown; token: string }) => Promise<{ status: number; body: unknown }>;

/** Resolves a UDF name to the executor that implements it (registered by the UDF integration point). */
export type UdfResolver = (workspaceId: string, udfName: string) => Promise<string | undefined>;

/** Issues the bearer token of one execution for `ctx.api`, valid until `expiresAt` (registered by the auth feature). */
export type ExecutionTokenIssuer = (workspaceId: string, executionId: string, expiresAt: number) => Promise<string>;

/** Publishes a custom event (registered by the events module). */
export type EventEmitterFn = (workspaceId: string, type: string, data: unknown, source: { executionId: string; causationDepth?: number }) => Promise<{ id: string }>;

export class SdkCallError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
    this.name = 'SdkCallError';
  }
}

function str(args: Record<string, unknown>, key: string): string {
  const v = args[key];
  if (typeof v !== 'string' || v === '') throw new SdkCallError('INVALID_ARGUMENTS', `${key} must be a non-empty string`);
  return v;
}

export class SdkHostFactory {
  udfResolver?: UdfResolver;
  emitEvent?: EventEmitterFn;

  constructor(private readonly deps: { storage: StorageService; issueExecutionToken: ExecutionTokenIssuer; platformApi?: PlatformApi }) {}

  /** A host bound to one execution. */
  create(ctx: RunContext, invoker: InvokeService): SdkHost {
    let apiToken: string | undefined;
    const deps = this.deps;
    // What work started by this execution inherits (nesting.ts); ctx.udf passes it explicitly.
    const self = { executionId: ctx.executionId, rootId: ctx.rootId, depth: ctx.depth, deadline: ctx.deadline, callPath: ctx.callPath, revealedValues: ctx.revealedValues, causationDepth: ctx.causationDepth };
    // A token of the executor's workspace that expires with the execution; created only when first needed.
    // Its role (execution) reads, invokes, works on tickets, storage and events but changes no configuration
    // (executors, bindings, hooks, secrets, tokens), so one execution cannot plant code that outlives it.
    // Requests made with it run as part of this execution: what they invoke is its child (nesting.ts).
    const token = async () => (apiToken ??= await deps.issueExecutionToken(ctx.workspaceId, ctx.executionId, ctx.deadline + 60_000));
    const ownApi = async (methodIn: string, raw: string, body?: unknown): Promise<unknown> => {
      if (!deps.platformApi) throw new SdkCallError('NOT_AVAILABLE', 'the platform API is not available here');
      const method = methodIn.toUpperCase();
      if (!raw.startsWith('/')) throw new SdkCallError('INVALID_ARGUMENTS', 'path must start with / (e.g. /api/tickets)');
      // Resolved the way the router will see it (`..`, `%2e%2e`): code reaches the REST API under /api only,
      // never /metrics, /readyz or /mcp (which authenticates by itself, outside the nesting context).
      const resolved = new URL(raw.startsWith('/api') ? raw : `/api${raw}`, 'http://in-process');
      if (resolved.pathname !== '/api' && !resolved.pathname.startsWith('/api/')) {
        throw new SdkCallError('INVALID_ARGUMENTS', `path ${raw} leaves the REST API under /api`);
      }
      const path = resolved.pathname + resolved.search;
      const res = await deps.platformApi({ method, path, body, token: await token() });
      if (res.status >= 400) {
        const b = res.body as { code?: string; detail?: string } | null;
        throw new SdkCallError(b?.code ?? `HTTP_${res.status}`, `${method} ${raw} answered ${res.status}: ${b?.detail ?? ''}`);
      }
      return res.body;
    };
    const handle = async (call: SdkCall): Promise<unknown> => {
      const a = call.args ?? {};
      const ws = ctx.workspaceId;
      switch (call.op) {
        case 'secret': {
          const name = str(a, 'name');
          const values = await ctx.revealSecrets([name]);
          const v = values.get(name);
          if (v === undefined) throw new SdkCallError('NOT_FOUND', `secret ${name} does not exist`);
          return v;
        }
        case 'storage.get':
          return (await deps.storage.get(ws, str(a, 'key')))?.value ?? null;
        case 'storage.set': {
          const ttl = a.ttlSeconds;
          if (ttl !== undefined && ttl !== null && (typeof ttl !== 'number' || !(ttl > 0))) throw new SdkCallError('INVALID_ARGUMENTS', 'ttlSeconds must be a positive number');
          await deps.storage.set(ws, str(a, 'key'), a.value, (ttl as number | undefined) ?? undefined);
          return null;
        }
        case 'storage.delete':
          return deps.storage.delete(ws, str(a, 'key'));
        case 'storage.list': {
          // One page (listMaxItems entries, listMaxBytes): `after` (the last key seen) pages on.
          const page = await deps.storage.page(ws, { prefix: typeof a.prefix === 'string' ? a.prefix : '', cursor: typeof a.after === 'string' ? a.after : undefined, limit: typeof a.limit === 'number' && a.limit >= 1 ? Math.floor(a.limit) : undefined });
          return page.items.map((o) => ({ key: o.key, value: o.value, expiresAt: o.expiresAt }));
        }
        case 'api.request':
          return ownApi(str(a, 'method'), str(a, 'path'), a.body);
        case 'reference.request': {
          // The compatibility SDK's ApiEnneo: reference paths mapped onto ours (compat/reference-api.ts).
          const authorizeAs = a.authorizeAs ?? 'user';
          if (authorizeAs !== 'user' && authorizeAs !== 'serviceWorker') throw new SdkCallError('INVALID_ARGUMENTS', `authorizeAs must be one of user, serviceWorker (got ${JSON.stringify(authorizeAs)})`);
          try {
            const mapped = await mapReferenceRequest(ownApi, str(a, 'method'), str(a, 'path'), a.params, a.body);
            return mapped.mapAnswer(await ownApi(mapped.method, mapped.path, mapped.body));
          } catch (err) {
            if (err instanceof ReferenceMappingError) throw new SdkCallError(err.code, err.message);
            throw err;
          }
        }
        case 'udf': {
          const name = str(a, 'name');
          const executor = this.udfResolver ? await this.udfResolver(ws, name) : undefined;
          if (!executor) throw new SdkCallError('NOT_FOUND', `UDF ${name} does not exist`);
          try {
            const r = await invoker.invoke({
              workspaceId: ws, executorName: executor, input: a.input ?? {}, trigger: 'udf', triggerRef: name,
              parent: self,
            });
            if (r.status === 'error') throw new SdkCallError(r.error!.code, r.error!.message);
            return r.output;
          } catch (err) {
            if (err instanceof InvocationError || err instanceof ProblemError) throw new SdkCallError(err.code, err.message);
            throw err;
          }
        }
        case 'emit': {
          if (!this.emitEvent) throw new SdkCallError('NOT_AVAILABLE', 'events are not available on this server');
          const type = str(a, 'type');
          // One causation step deeper than this execution: a hook chain that re-emits stops at the depth limit.
          return this.emitEvent(ws, type.startsWith('custom.') ? type : `custom.${type}`, a.data ?? null, { executionId: ctx.executionId, causationDepth: ctx.causationDepth + 1 });
        }
        default:
          throw new SdkCallError('UNKNOWN_OPERATION', `unknown SDK call ${call.op}`);
      }
    };
    return {
      // The reference platform's variables: its code reads them (and passes the token on) without knowing where it runs.
      // The compat SDKs read only the URL (their requests go over the channel), so the token is issued only for code
      // that names it.
      async scriptEnv({ withToken }) {
        const env: Record<string, string> = { ENNEO_API_URL: REFERENCE_API_URL };
        if (withToken) env.ENNEO_SESSION_TOKEN = await token();
        return env;
      },
      async handle(call) {
        try {
          // The SDK channel's callbacks carry the async context of whatever started the worker; each call belongs to this execution.
          return await runAsPartOf(self, () => handle(call));
        } catch (err) {
          if (err instanceof SdkCallError) throw err;
          if (err instanceof ProblemError) throw new SdkCallError(err.code, err.message);
          throw new SdkCallError('INTERNAL', (err as Error).message);
        }
      },
    };
  }
}
