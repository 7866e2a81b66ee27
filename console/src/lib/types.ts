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
