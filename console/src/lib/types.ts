// Shapes of the API answers the console reads (the subset it uses; the OpenAPI document at /api/openapi.json is the whole).
export type Role = 'admin' | 'developer' | 'operator' | 'viewer' | 'invoker';

export interface Me {
  workspace: { id: string; name: string };
  role: Role;
  tokenName: string;
  tokenId: string;
  /** What the token may do (route permissions: executors:write, secrets:write, hooks:operate, …). */
  permissions: string[];
}

export interface ExecutorSummary {
  name: string;
  type: 'code' | 'apiCall';
  description: string;
  language: string | null;
  activeVersion: number;
  latestVersion: number;
  updatedAt: string;
}

export interface CodeSpec {
  language: 'python' | 'node' | 'php';
  mode?: 'handler' | 'script';
  source: string;
  dependencies?: string;
  memoryMb?: number;
  egress?: string[];
}

export interface ExecutorDefinition {
  name: string;
  description?: string;
  type: 'code' | 'apiCall';
  inputSchema?: Record<string, unknown> | null;
  outputSchema?: Record<string, unknown> | null;
  timeoutMs: number;
  code?: CodeSpec;
  apiCall?: Record<string, unknown>;
}

export interface VersionInfo {
  version: number;
  createdBy: string;
  createdAt: string;
  message: string | null;
  active: boolean;
}

export interface Executor extends ExecutorSummary {
  definition: ExecutorDefinition;
  version: VersionInfo;
}

export interface ExecutorStats {
  executor: string;
  invocations: number;
  errorRate: number;
  p95Ms: number | null;
  lastStatus: string | null;
  lastRunAt: string | null;
}

export interface LogLine {
  ts: string;
  level: string;
  message: string;
}

export interface InvocationResult {
  executionId: string;
  status: 'ok' | 'error';
  output?: unknown;
  error?: { code: string; message: string; details?: { type?: string; stack?: string; file?: string; line?: number } };
  logs: LogLine[];
  durationMs: number;
  coldStart: boolean;
}

export interface Dependencies {
  language: string;
  status: string;
  log?: string;
}

// ---- operations pages: event trace, dead letters, tickets, dashboard, storage, tokens

export interface EventSummary {
  id: string;
  type: string;
  occurredAt: string | null;
  subject: string | null;
  source: string | null;
  deliveries: Record<string, number>;
}

export interface DeliveryAttempt {
  attempt: number;
  status: string;
  executionId: string | null;
  error: { code?: string; message?: string } | null;
  startedAt: string | null;
  durationMs: number | null;
}

export interface Delivery {
  id: string;
  hook: string;
  status: string;
  attemptCount: number;
  nextAttemptAt: string | null;
  lastError: { code?: string; message?: string } | null;
  enqueuedAt: string | null;
  updatedAt: string | null;
  attempts: DeliveryAttempt[];
}

export interface EventDetail extends Omit<EventSummary, 'deliveries'> {
  data: unknown;
  deliveries: Delivery[];
}

export interface DeadLetter extends Omit<Delivery, 'attempts'> {
  eventId: string;
  eventType: string;
}

export interface Paged<T> {
  items: T[];
  nextCursor: number | string | null;
}

export interface HookSummary {
  name: string;
  executor: string;
  eventTypes: string[];
  enabled: boolean;
}

export interface Ticket {
  id: string;
  subject: string;
  body: string;
  channel: string;
  status: 'open' | 'pending' | 'closed';
  tags: string[];
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
}

export interface TicketReply {
  id: string;
  body: string;
  to: string | null;
  author: string;
  status: string;
  createdAt: string;
}

export interface WindowFigures {
  executor: string;
  invocations: number;
  errors: number;
  errorRate: number;
  p50Ms: number | null;
  p95Ms: number | null;
}

export interface Dashboard {
  generatedAt: string;
  perMinute: { minute: string; invocations: number; errors: number }[];
  perHour: { hour: string; invocations: number; errors: number }[];
  lastHour: WindowFigures[];
  lastDay: WindowFigures[];
  queue: { queued: number; running: number };
  deadLetters: number;
  deadLettersByHook: { hook: string; count: number }[];
}

export interface StorageObject {
  key: string;
  value: unknown;
  expiresAt: string | null;
  updatedAt: string;
}

export interface TokenInfo {
  id: string;
  name: string;
  role: string;
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
}

// ---- bindings pages (webhook/UDF calls, tools, rule-based agents, smart agents, customer recognition)

export interface BindingCallResult {
  executionId: string;
  output: unknown;
  durationMs: number;
  executor: { name: string; version?: number };
}

export interface ToolCallResult {
  executionId: string | null;
  isError: boolean;
  output?: unknown;
  error?: { code: string; message: string };
}

export interface AgentOption {
  action: string;
  label?: string;
  recommended?: boolean;
}

export interface AgentRunResult {
  status: 'executed' | 'rejected' | 'handoff' | 'needsDecision' | 'failed';
  message: string;
  executionId: string | null;
  rule?: string;
  interaction?: { infos: Array<{ type?: string; message: string }>; options: AgentOption[]; data?: unknown };
  decidedAlone?: string;
  error?: { code: string; message: string };
  replied: boolean;
}

export interface ToolStep {
  id: string;
  name: string;
  arguments: unknown;
  executionId: string | null;
  output?: unknown;
  error?: { code: string; message: string };
}

export interface ChatResult {
  answer: string | null;
  stopReason: 'stop' | 'maxSteps';
  steps: Array<{ toolCalls: ToolStep[] }>;
  usage?: { promptTokens: number; completionTokens: number; totalTokens: number };
}

export interface MergedCustomer {
  customerNumber: string;
  name?: string;
  email?: string;
  phone?: string;
  contracts?: Array<{ contractNumber: string; status?: string; product?: string }>;
  score?: number | null;
  matchedBy?: string[];
  [extra: string]: unknown;
}

export interface SearchResult {
  customers: MergedCustomer[];
  sources: Array<{ name: string; status: 'ok' | 'error' | 'timeout'; durationMs: number; executionId: string; found?: number; error?: { code: string; message: string } }>;
  cached: boolean;
  /** With a ticket: the best match linked to it, or null when there was no single best match. */
  linked?: { ticketId: string; customerNumber: string; contractNumber?: string } | null;
}
