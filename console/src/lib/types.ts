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
