// The boundary between the invoke pipeline and the code sandbox: what a run asks for and what it returns.
// Runtimes know nothing about HTTP or the database; everything they need from the platform goes through SdkHost.

export type CodeLanguage = 'python' | 'node' | 'php';
export type CodeMode = 'handler' | 'script';

export interface LogLine {
  ts: string; // ISO timestamp
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
}

/** What the code of an execution can see about itself (`ctx.execution`). */
export interface ExecutionInfo {
  id: string;
  trigger: string;
  attempt: number;
  executorName: string;
  version: number;
  /** Absolute deadline, epoch milliseconds; the sandbox kills the run when it passes. */
  deadline: number;
}

/**
 * One SDK call coming out of the sandbox. `op` is one of:
 * `secret` {name} | `storage.get` {key} | `storage.set` {key, value, ttlSeconds?} | `storage.delete` {key}
 * | `storage.list` {prefix?, after?, limit?} | `api.request` {method, path, body?} | `udf` {name, input} | `emit` {type, data}
 * | `reference.request` {method, path, params?, body?, authorizeAs?} (the compatibility SDK: reference API paths, mapped).
 * (`log` is handled inside the sandbox layer and ends up in CodeRunResult.logs.)
 */
export interface SdkCall {
  op: string;
  args: Record<string, unknown>;
}

/** The platform side of the SDK; implemented by the invoke pipeline, one instance per execution. */
export interface SdkHost {
  /** Resolves with the call's JSON result or rejects with an Error whose `code` (string) is kept for the SDK error. */
  handle(call: SdkCall): Promise<unknown>;
  /**
   * Script mode: environment variables for the script, asked for once before it starts (the reference platform's
   * `ENNEO_API_URL` and `ENNEO_SESSION_TOKEN`). Only `ENNEO_*` names are passed on. `withToken`: the source names
   * `ENNEO_SESSION_TOKEN`; issuing the token is a database write, so a script that never reads it does not get one.
   */
  scriptEnv?(opts: { withToken: boolean }): Promise<Record<string, string>>;
}

/**
 * `outrigger run --inspect`: the run starts under its language's debugger. The sandbox then shares the host's network
 * namespace (a debugger port inside a private one is unreachable from the IDE), has no egress list, and its worker
 * serves this one run only; the caller owns the deadline (it stretches it: a paused debugger must not be killed).
 */
export interface InspectRequest {
  /** Port on the host's 127.0.0.1: where the debugger listens (Node, Python) or the IDE listens (PHP's Xdebug). */
  port: number;
  /** Host path of the user's file: the code runs under this very path, so breakpoints set on it in the IDE hit. */
  codePath: string;
  /** Host directory holding the debugger's package when the language has none built in (Python: debugpy's tree). */
  debuggerDir?: string;
}

export interface CodeRunRequest {
  workspaceId: string;
  /** Identifies the warm-worker pool: one pool per workspace + executor + version hash. */
  poolKey: string;
  language: CodeLanguage;
  mode: CodeMode;
  source: string;
  input: unknown;
  timeoutMs: number;
  memoryMb: number;
  /** Host names (with optional `*.` wildcard) the code may reach; empty means no network at all. */
  egress: string[];
  /** Directory holding the installed dependency tree (read-only inside the sandbox), when the executor has dependencies. */
  dependenciesDir?: string;
  execution: ExecutionInfo;
  host: SdkHost;
  /** Called with each log line as it arrives (the console's streamed test run); the lines are in the result too. */
  onLog?: (line: LogLine) => void;
  /** Start the run under the language's debugger (local runs only, see InspectRequest). */
  inspect?: InspectRequest;
}

export type CodeErrorCode =
  | 'TIMEOUT'
  | 'OUT_OF_MEMORY'
  | 'RUNTIME_ERROR'
  | 'OUTPUT_INVALID'
  | 'EGRESS_DENIED'
  | 'LIMIT_EXCEEDED'
  | 'DEPENDENCIES_NOT_READY';

export interface CodeRunResult {
  status: 'ok' | 'error';
  output?: unknown;
  error?: { code: CodeErrorCode; message: string; details?: Record<string, unknown> };
  logs: LogLine[];
  coldStart: boolean;
  durationMs: number;
}

/** The sandbox as the pipeline uses it. */
export interface CodeRunner {
  run(req: CodeRunRequest): Promise<CodeRunResult>;
  /** Drops warm workers of a pool, or of every pool under a key prefix ending in `/` (a new version was activated, an executor deleted). */
  evict(poolKey: string): Promise<void>;
  /** Executors with a live worker here, as `workspace/name` (announced in the fleet heartbeat for warm-worker affinity). */
  warmExecutors?(): string[];
  /** Stops all workers; used on shutdown and in tests. */
  close(): Promise<void>;
}
