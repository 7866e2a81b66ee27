// Response schemas of the REST API (success bodies of every route, the shared problem+json answers), in one place.
//
// They document; they do not serialize: app.ts answers with plain JSON.stringify, so a field missing here is never
// dropped from an answer. Objects therefore allow additional properties, and the properties listed are the ones
// every answer carries (schemathesis' response_schema_conformance checks them against the running server).
import { Type, type TObject, type TProperties, type TSchema } from '@sinclair/typebox';

/** An object that lists what it always carries and may carry more. */
export const Obj = <T extends TProperties>(props: T, opts: { description?: string; $id?: string } = {}): TObject<T> =>
  Type.Object(props, { additionalProperties: true, ...opts });
export const Nullable = <T extends TSchema>(s: T) => Type.Union([s, Type.Null()]);
const Timestamp = Type.String({ description: 'ISO 8601 date-time' });
const Any = Type.Unknown();
const Cursor = Nullable(Type.Integer({ description: 'give as ?cursor= for the next page; null on the last page' }));

/** `{ items: [...] }` (with `nextCursor` for paged lists). */
export const List = <T extends TSchema>(item: T, paged = false) =>
  paged ? Obj({ items: Type.Array(item), nextCursor: Cursor }) : Obj({ items: Type.Array(item) });

/** 204: no body (`type: null` makes @fastify/swagger document the answer without content). */
export const NoContent = Type.Unsafe<undefined>({ type: 'null', description: 'No content' });

// ---- tokens and workspaces
export const WorkspaceView = Obj({ id: Type.String(), name: Type.String(), timeZone: Type.String(), createdAt: Timestamp });
export const TokenView = Obj({
  id: Type.String(), name: Type.String(), role: Type.String(), prefix: Type.String(), createdAt: Timestamp,
  lastUsedAt: Nullable(Timestamp), expiresAt: Nullable(Timestamp),
});
export const CreatedToken = Obj({ ...TokenView.properties, token: Type.String({ description: 'shown only in this answer' }) });
export const MeView = Obj({ workspace: Nullable(WorkspaceView), role: Type.String(), tokenName: Type.String(), tokenId: Nullable(Type.String()), permissions: Type.Array(Type.String(), { description: 'what the token may do: the route permissions of its role (read, invoke, executors:write, …)' }) });
export const CreatedWorkspace = Obj({ workspace: WorkspaceView, adminToken: Type.String() });

// ---- executors, versions, invocations, executions
const ExecutorType = Type.Union([Type.Literal('code'), Type.Literal('apiCall')]);
export const ExecutorSummaryView = Obj({
  name: Type.String(), type: ExecutorType, description: Type.String(), language: Nullable(Type.String({ description: 'code executors: python, node or php' })), activeVersion: Type.Integer(), latestVersion: Type.Integer(),
  createdAt: Timestamp, updatedAt: Timestamp,
});
export const VersionView = Obj({
  version: Type.Integer(), contentHash: Type.String(), createdBy: Type.String(), createdAt: Timestamp, message: Nullable(Type.String()), active: Type.Boolean(),
});
export const ExecutorView = Obj({
  ...ExecutorSummaryView.properties,
  definition: Obj({ name: Type.String(), type: ExecutorType, timeoutMs: Type.Integer() }, { description: 'the definition with every default applied' }),
  version: VersionView,
});
export const ExecutorApplied = Obj({ ...ExecutorView.properties, changed: Type.Boolean({ description: 'false when the definition equals the active one' }) });

const InvocationFailure = Obj({ code: Type.String(), message: Type.String() });
export const InvocationResultView = Obj({
  executionId: Type.String(),
  status: Type.Union([Type.Literal('ok'), Type.Literal('error')]),
  output: Type.Optional(Any),
  error: Type.Optional(InvocationFailure),
  logs: Type.Array(Any),
  durationMs: Type.Number(),
  coldStart: Type.Boolean(),
  executor: Obj({ name: Type.String(), version: Nullable(Type.Integer()) }),
}, { description: 'the execution; a failed one is still a 200 with status "error"' });

export const DependenciesView = Obj({ language: Type.String(), status: Type.String({ description: 'pending | building | ready | failed' }), key: Type.String() });

const ExecutionBase = {
  id: Type.String(), executor: Type.String(), version: Nullable(Type.Integer()), type: Type.String(), trigger: Type.String(), triggerRef: Nullable(Type.String()),
  parentId: Nullable(Type.String()), rootId: Nullable(Type.String()), status: Type.String(), durationMs: Type.Number(), coldStart: Type.Boolean(),
};
export const ExecutionListItem = Obj({ ...ExecutionBase, errorCode: Nullable(Type.String()) });
export const ExecutionDetail = Obj({ ...ExecutionBase, logs: Type.Array(Any), node: Nullable(Type.String({ description: 'the node that ran it (a worker, for a call made on an api node)' })), children: Type.Array(Obj({ id: Type.String(), executor: Type.String(), status: Type.String() })) });

// ---- secrets and storage
export const SecretView = Obj({ name: Type.String(), createdAt: Timestamp, updatedAt: Timestamp });
export const StorageObjectView = Obj({ key: Type.String(), value: Any, expiresAt: Nullable(Timestamp), updatedAt: Timestamp });

// ---- events and hooks
export const EventView = Obj({ id: Type.String(), type: Type.String(), occurredAt: Timestamp, subject: Nullable(Type.String()), data: Any, source: Nullable(Type.String()) });
export const EventSummary = Obj({
  id: Type.String(), type: Type.String(), occurredAt: Nullable(Timestamp), subject: Nullable(Type.String()), source: Nullable(Type.String()),
  deliveries: Type.Record(Type.String(), Type.Integer(), { description: 'number of deliveries per status' }),
});
export const EventDetail = Obj({ ...EventView.properties, occurredAt: Nullable(Timestamp), deliveries: Type.Array(Obj({ attempts: Type.Array(Obj({})) })) });
export const EventBatchResult = Obj({ items: Type.Array(Obj({ id: Type.String(), type: Type.String() })) });
export const ReplayResult = Obj({ replayed: Type.Array(Type.String(), { description: 'ids of the deliveries made again' }) });
export const BulkReplayResult = Obj({
  replayed: Type.Array(Type.String(), { description: 'ids of the dead deliveries made again' }),
  more: Type.Boolean({ description: 'whether more dead letters match (call again)' }),
});
export const DeadLetterView = Obj({
  id: Type.String(), hook: Type.String(), status: Type.String(), attemptCount: Type.Integer(), lastError: Any,
  enqueuedAt: Nullable(Timestamp), updatedAt: Nullable(Timestamp), eventId: Type.String(), eventType: Type.String(),
});
export const HookView = Obj({
  name: Type.String(), description: Type.String(), eventTypes: Type.Array(Type.String()), filter: Any, executor: Type.String(), retry: Obj({}),
  retryIsDefault: Type.Boolean(), concurrency: Nullable(Type.Integer()), enabled: Type.Boolean(), createdAt: Timestamp, updatedAt: Timestamp,
});

// ---- integration points
const Stamps = { createdAt: Timestamp, updatedAt: Timestamp };
/** A binding of a simple point (webhook, UDF). */
export const BindingView = Obj({ name: Type.String(), executor: Type.String(), description: Type.String(), ...Stamps });
export const BindingCallResult = Obj({ executionId: Type.String(), output: Any, durationMs: Type.Number(), executor: Obj({ name: Type.String() }) });
export const ToolView = Obj({ name: Type.String(), executor: Type.String(), description: Nullable(Type.String()), parameters: Nullable(Obj({})), enabled: Type.Boolean(), ...Stamps });
export const ToolsListing = Type.Union([
  Obj({ items: Type.Array(ToolView) }, { description: 'format=native' }),
  Obj({ tools: Type.Array(Obj({})) }, { description: 'format=openai (function tools) or format=mcp (MCP tool entries)' }),
]);
export const ToolCallResultView = Obj({ executionId: Nullable(Type.String()), isError: Type.Boolean() }, { description: 'isError false: output; isError true: the executor’s structured error' });
export const AgentView = Obj({ name: Type.String(), ...Stamps });
export const AgentRunResultView = Obj({
  status: Type.Union(['executed', 'rejected', 'handoff', 'needsDecision', 'failed'].map((s) => Type.Literal(s))),
  message: Type.String(), executionId: Nullable(Type.String()), replied: Type.Boolean(),
});
export const SmartAgentView = Obj({ name: Type.String(), systemPrompt: Type.String(), model: Type.String(), tools: Type.Array(Type.String()), maxSteps: Type.Integer(), ...Stamps });
export const ChatResultView = Obj({ answer: Nullable(Type.String()), stopReason: Type.Union([Type.Literal('stop'), Type.Literal('maxSteps')]), steps: Type.Array(Obj({ toolCalls: Type.Array(Obj({})) })) });
export const RecognitionSourceView = Obj({ name: Type.String(), kind: Type.String(), executor: Type.String(), priority: Type.Integer(), timeoutMs: Type.Integer(), format: Type.Optional(Type.String()), ...Stamps });
export const SearchResultView = Obj({ customers: Type.Array(Obj({})), sources: Type.Array(Obj({ name: Type.String(), status: Type.String() })), cached: Type.Boolean() });
export const LinkResult = Obj({ linked: Any });
export const CacheCleared = Obj({ removed: Type.Integer() });

// ---- host model
export const TicketView = Obj({
  id: Type.String(), subject: Type.String(), body: Type.String(), channel: Type.String(), status: Type.String(), tags: Type.Array(Type.String()),
  intent: Nullable(Type.String()), customer: Nullable(Obj({ customerNumber: Type.String() })), queue: Nullable(Type.String()), assignee: Nullable(Type.String()),
  createdAt: Timestamp, updatedAt: Timestamp, closedAt: Nullable(Timestamp),
});
export const ReplyView = Obj({
  id: Type.String(), ticketId: Type.String(), body: Type.String(), to: Nullable(Type.String()), author: Type.String(),
  status: Type.Union([Type.Literal('sending'), Type.Literal('sent'), Type.Literal('failed')]), webhook: Nullable(Type.String()), executionId: Nullable(Type.String()),
  createdAt: Timestamp, sentAt: Nullable(Timestamp),
});
export const TicketWithReplies = Obj({ ...TicketView.properties, replies: Type.Array(ReplyView) });
export const ReplyWithTicket = Obj({ ...ReplyView.properties, ticket: TicketView });
export const ForwardResult = Obj({ ticketId: Type.String(), to: Type.String(), note: Nullable(Type.String()), eventId: Type.String(), ticket: TicketView });
export const ProfileView = Obj({ id: Type.String(), customerNumber: Type.String(), name: Type.String(), email: Nullable(Type.String()), phone: Nullable(Type.String()), attributes: Obj({}), ...Stamps });
export const ConversationView = Obj({ id: Type.String(), channel: Type.String(), ticketId: Nullable(Type.String()), customerNumber: Nullable(Type.String()), messages: Type.Array(Obj({})), createdAt: Timestamp });
export const TicketSettingsView = Obj({ replyWebhook: Nullable(Type.String()), replyWebhookByChannel: Obj({}), inactivityCloseHours: Nullable(Type.Number()) });

// ---- errors
/** Where a problem+json answer is referenced from: the `Problem` component registered in app.ts. */
const problemResponse = (description: string) => ({ description, content: { 'application/problem+json': { schema: { $ref: 'Problem#' } } } });

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'The request is invalid (VALIDATION_FAILED, MALFORMED_JSON; `errors[]` names each field)',
  401: 'No valid bearer token (UNAUTHENTICATED)',
  403: 'The token’s role does not allow this (FORBIDDEN)',
  404: 'The resource does not exist (NOT_FOUND)',
  409: 'Conflict with the current state (CONFLICT)',
  413: 'The request body is too large (PAYLOAD_TOO_LARGE)',
  415: 'The body is not JSON (UNSUPPORTED_MEDIA_TYPE)',
  502: 'The executor or an upstream it calls failed (problem+json with the invocation error code and executionId)',
  503: 'The service, its database or the code runtime is not available (SERVICE_UNAVAILABLE, DEPENDENCIES_NOT_READY)',
  504: 'The executor ran past its time-out (TIMEOUT)',
};

/** problem+json responses for the given statuses, to spread into a route's `response`. */
export function problems(...statuses: number[]): Record<number, ReturnType<typeof problemResponse>> {
  return Object.fromEntries(statuses.map((s) => [s, problemResponse(ERROR_DESCRIPTIONS[s] ?? 'Error')]));
}

const SUCCESS_DESCRIPTIONS: Record<number, string> = { 200: 'OK', 201: 'Created', 202: 'Accepted' };

/** A route's shape as the error defaults below need it. */
export interface RouteShape {
  method: string | string[];
  url: string;
  public?: boolean;
  schema?: { params?: unknown; response?: Record<string | number, unknown> };
}

/**
 * The error answers every route can give, from what the route is (one rule instead of a list per route):
 * 400 malformed URL or invalid input, 401/403 for authenticated routes, 404 where the path names a resource,
 * 409/413/415 where a body can be sent, 503 when the database is unreachable. Routes add their own extras (502, 504).
 */
export function defaultErrorStatuses(route: RouteShape): number[] {
  const methods = (Array.isArray(route.method) ? route.method : [route.method]).map((m) => m.toUpperCase());
  const writes = methods.some((m) => m !== 'GET' && m !== 'HEAD');
  const out = [400];
  if (!route.public) out.push(401, 403);
  if (route.url.includes(':') || writes) out.push(404);
  if (writes) out.push(409, 413, 415);
  out.push(503);
  return out;
}

/** Fills in the default problem responses a route does not declare itself (called for every route by app.ts). */
export function withDefaultErrors(route: RouteShape): void {
  if (!route.schema) return;
  const response: Record<string | number, unknown> = {};
  // A success schema without its own description would be documented as "Default Response".
  for (const [status, schema] of Object.entries(route.schema.response ?? {})) {
    const s = schema as { description?: string; content?: unknown };
    response[status] = s.description || s.content || !SUCCESS_DESCRIPTIONS[Number(status)] ? schema : { ...s, description: SUCCESS_DESCRIPTIONS[Number(status)] };
  }
  for (const s of defaultErrorStatuses(route)) if (!(s in response)) Object.assign(response, problems(s));
  route.schema.response = response;
}
