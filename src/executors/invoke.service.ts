// The invoke pipeline every integration point goes through: resolve, validate, run, redact, record, measure.
import type { Db } from '../store/index.js';
import { InvocationError, ProblemError, type InvocationErrorCode } from '../errors.js';
import { newId } from '../ids.js';
import type { SecretsService } from '../secrets/secrets.service.js';
import type { Metrics } from '../observability/metrics.js';
import { normalizeDefinition, contentHash, type ExecutorDefinition, type ExecutorDraft } from './definition.js';
import { findActiveDefinition } from './executors.repository.js';
import { ExecutionRecorder } from './executions.repository.js';
import { validateAgainst } from '../util/json-schema.js';
import { LimitExceededError } from '../util/evaluation-limits.js';
import { capJson, redactionNeedles, redactText, redactValue } from './redact.js';
import type { RunContext, Trigger } from './run-context.js';
import type { CodeLanguage, CodeRunner, LogLine, SdkHost } from './sandbox/contract.js';
import type { DependencyState } from './sandbox/deps/dependency-builder.js';
import { runApiCall, type ApiCallDeps } from './api-call/index.js';
import { BoundedMap } from '../util/bounded-map.js';
import { currentParent, registerRunning, type ParentCall } from './nesting.js';

/** The executor definition as the integration points see it (through this service, never the repository). */
export type { ExecutorDefinition } from './definition.js';

export const MAX_UDF_DEPTH = 8;
const MAX_LOG_LINES = 1000;
const MAX_LOG_LINE_CHARS = 8192;

export type { ParentCall } from './nesting.js';

/**
 * Triggers that can be started synchronously from inside an execution (through ctx.api): a run with one of
 * these inside an execution's request is its child. Event and cron runs come from the queue, never as a child.
 */
const NESTABLE_TRIGGERS: ReadonlySet<Trigger> = new Set(['test', 'api', 'webhook', 'tool', 'agent', 'customerRecognition', 'udf']);

export interface InvokeRequest {
  workspaceId: string;
  executorName: string;
  input: unknown;
  trigger: Trigger;
  triggerRef?: string;
  parent?: ParentCall;
  /** An unsaved definition to run instead of the active version (`test`). */
  draft?: ExecutorDraft;
  attempt?: number;
  /** When the work was enqueued (epoch ms), for the queue time of asynchronous triggers. */
  enqueuedAt?: number;
  /** Use this id instead of a fresh one (lets a caller know the id before the run ends). */
  executionId?: string;
  /** Stays the same across retries of one piece of work (e.g. the delivery id); default: the execution id. */
  idempotencyKey?: string;
  /** Event hops that led to this run (the causation depth of the event a hook runs for). */
  causationDepth?: number;
  /** Receives each log line while the run goes on, secrets revealed so far redacted (the streamed test run). */
  onLog?: (line: LogLine) => void;
  /** Fields added under an object input of code executors only (an event's payload at the top level, as the reference platform passes it). */
  codeInputExtras?: Record<string, unknown>;
  /** Epoch ms by which the run must end whatever its own time-out: what is left of a caller's deadline on another node. */
  deadline?: number;
}

/** An invocation as it travels to another node: plain data (the log stream and the parent call stay with the caller). */
export type PortableInvokeRequest = Omit<InvokeRequest, 'onLog' | 'parent'> & { executionId: string };

/**
 * Where synchronous invocations run when not in this process: an api node hands them to a worker
 * (fleet/remote-invoker.ts). The local pipeline below is the other side of the same call.
 */
export interface RemoteInvocationPort {
  /** The worker's result; throws a ProblemError: 503 without a live worker, 504 past `deadline`, or the worker's own refusal. */
  run(req: PortableInvokeRequest, deadline: number): Promise<InvocationResult>;
}

/** What a remote call may take beyond the executor's own time-out: queueing, the hand-over and the result's way back. */
export const REMOTE_GRACE_MS = 2_000;

export interface InvocationResult {
  executionId: string;
  status: 'ok' | 'error';
  output?: unknown;
  error?: { code: InvocationErrorCode | string; message: string; details?: Record<string, unknown> };
  logs: LogLine[];
  durationMs: number;
  coldStart: boolean;
  executor: { name: string; version: number | null };
}

export interface InvokeDeps {
  db: Db;
  secrets: SecretsService;
  metrics: Metrics;
  apiCall: ApiCallDeps;
  codeRunner?: CodeRunner;
  /** Dependency builds (the sandbox); absent, executors with dependencies cannot run. */
  dependencies?: { ensureDependencies(language: CodeLanguage, text: string, opts?: { workspaceId?: string; allowInstallScripts?: boolean }): DependencyState };
  /** Why code cannot run here, for the 503 when there is no codeRunner. */
  codeUnavailable?: string;
  /** Builds the SDK host of one code execution (SdkHostFactory); an interface here so sdk-host.ts may import this file. */
  sdkHosts?: { create(ctx: RunContext, invoker: InvokeService): SdkHost };
  fieldCapBytes: number;
  /** How deep invocations may nest (UDF calls and invocations through ctx.api); default MAX_UDF_DEPTH. */
  maxDepth?: number;
  /** Set on api nodes: every invocation runs on a worker, none in this process (no sandbox, no executor code here). */
  remote?: RemoteInvocationPort;
  /** Beyond the executor's time-out, how long a remote call may take before its caller gets a 504 (default REMOTE_GRACE_MS). */
  remoteGraceMs?: number;
  /** This node's id, kept in each execution record (which node ran it). */
  nodeId?: string;
}

interface Resolved {
  def: ExecutorDefinition;
  version: number | null;
  hash: string;
}

export class InvokeService {
  /** Parsed definitions by content hash: versions are immutable, so a hash always means the same definition. */
  private readonly definitions = new BoundedMap<string, ExecutorDefinition>(2000);
  private readonly recorder: ExecutionRecorder;

  constructor(private readonly deps: InvokeDeps) {
    this.recorder = new ExecutionRecorder(deps.db);
  }


  private async resolve(req: InvokeRequest): Promise<Resolved> {
    if (req.draft) {
      const def = normalizeDefinition({ ...req.draft, name: req.draft.name ?? req.executorName });
      return { def, version: null, hash: contentHash(def) };
    }
    const row = await findActiveDefinition(this.deps.db, req.workspaceId, req.executorName);
    if (!row) throw new ProblemError('NOT_FOUND', `executor ${req.executorName} does not exist`, { extra: { executor: req.executorName } });
    return { def: this.definitions.getOrCreate(row.content_hash, () => JSON.parse(row.definition) as ExecutorDefinition), version: row.version, hash: row.content_hash };
  }

  /**
   * Runs an executor and records the execution. Failures of the run come back as `status: "error"`;
   * only requests that cannot run at all (unknown executor, bad draft) throw a ProblemError.
   */
  /** The active definition of an executor (what an AI tool shows of it), or undefined when there is none. */
  async activeDefinition(workspaceId: string, executorName: string): Promise<ExecutorDefinition | undefined> {
    const row = await findActiveDefinition(this.deps.db, workspaceId, executorName);
    return row ? (JSON.parse(row.definition) as ExecutorDefinition) : undefined;
  }

  async invoke(req: InvokeRequest): Promise<InvocationResult> {
    if (this.deps.remote) return this.invokeRemotely(this.deps.remote, req);
    return this.invokeHere(req);
  }

  /**
   * An api node's invocation: refused here when it cannot run at all (unknown executor, bad draft: no job for that),
   * else run by a worker with the executor's time-out plus the hand-over's grace as the caller's deadline.
   */
  private async invokeRemotely(remote: RemoteInvocationPort, req: InvokeRequest): Promise<InvocationResult> {
    const { def } = await this.resolve(req);
    const deadline = Math.min(req.deadline ?? Infinity, Date.now() + def.timeoutMs + (this.deps.remoteGraceMs ?? REMOTE_GRACE_MS));
    const { onLog, parent: _parent, ...portable } = req;
    const result = await remote.run({ ...portable, executionId: req.executionId ?? newId('exe') }, deadline);
    // The worker cannot stream to this node: a streamed test run gets its lines when the run is over.
    if (onLog) for (const line of result.logs) onLog(line);
    return result;
  }

  /** Runs the invocation in this process (roles all and worker). */
  private async invokeHere(req: InvokeRequest): Promise<InvocationResult> {
    const started = Date.now();
    const t0 = performance.now();
    const { def, version, hash } = await this.resolve(req);
    // Not for a closed inputSchema: the extras would make it refuse input it accepted before.
    if (req.codeInputExtras && def.type === 'code' && def.inputSchema?.additionalProperties !== false && req.input && typeof req.input === 'object' && !Array.isArray(req.input)) {
      req = { ...req, input: { ...req.codeInputExtras, ...req.input } };
    }
    const executionId = req.executionId ?? newId('exe');
    // A run started from inside an execution (its ctx.api request) is that execution's child, whatever it is called.
    const parent: ParentCall | undefined = req.parent ?? (NESTABLE_TRIGGERS.has(req.trigger) ? currentParent() : undefined);
    const maxDepth = this.deps.maxDepth ?? MAX_UDF_DEPTH;
    const ownDeadline = started + def.timeoutMs;
    const revealed = new Set<string>();
    // A streamed line is redacted with the secrets revealed up to then: a value is revealed before code can print it.
    const streamLog = (line: LogLine) => req.onLog?.({ ...line, message: redactText(line.message, redactionNeedles(revealed)) });
    let streamingCode = false;
    const logs: LogLine[] = [];
    let logsDropped = 0;
    const ctx: RunContext = {
      executionId,
      rootId: parent?.rootId ?? executionId,
      workspaceId: req.workspaceId,
      executorName: def.name,
      version: version ?? 0,
      trigger: req.trigger,
      attempt: req.attempt ?? 1,
      idempotencyKey: req.idempotencyKey ?? executionId,
      // A nested call never outlives its caller.
      // A caller on another node (req.deadline) has its own limit too.
      deadline: Math.min(parent ? parent.deadline : Infinity, ownDeadline, req.deadline ?? Infinity),
      depth: parent ? parent.depth + 1 : 0,
      callPath: [...(parent?.callPath ?? []), def.name],
      logs,
      log(level, message) {
        if (logs.length >= MAX_LOG_LINES) {
          logsDropped++;
          return;
        }
        const line: LogLine = { ts: new Date().toISOString(), level, message: message.length > MAX_LOG_LINE_CHARS ? message.slice(0, MAX_LOG_LINE_CHARS) + '…' : message };
        logs.push(line);
        // Code logs were streamed by the sandbox as they came (runCode); they are only collected here.
        if (!streamingCode) streamLog(line);
      },
      revealSecrets: async (names) => {
        const values = await this.deps.secrets.reveal(req.workspaceId, names);
        for (const v of values.values()) revealed.add(v);
        return values;
      },
      // Includes the callers' secrets, so that a deeper callee's record hides them as well.
      revealedValues: () => [...revealed, ...(parent?.revealedValues?.() ?? [])],
      causationDepth: parent?.causationDepth ?? req.causationDepth ?? 0,
    };
    // Visible to what this run starts through the platform API (nesting.ts), until it ends.
    const unregister = registerRunning({
      executionId, rootId: ctx.rootId, depth: ctx.depth, deadline: ctx.deadline, callPath: ctx.callPath, revealedValues: ctx.revealedValues, causationDepth: ctx.causationDepth,
    });

    let output: unknown;
    let error: InvocationResult['error'];
    let coldStart = false;
    try {
      // Refusals are recorded like any failed run, so that they show in the caller's execution tree.
      if (parent && ctx.depth > maxDepth) {
        throw new InvocationError('LIMIT_EXCEEDED', `invocations may nest at most ${maxDepth} deep (UDF calls and invocations from inside an execution)`, { depth: ctx.depth, limit: maxDepth });
      }
      if (parent && parent.callPath.includes(def.name)) {
        throw new InvocationError('LIMIT_EXCEEDED', `cycle refused: ${ctx.callPath.join(' → ')}`, { callPath: ctx.callPath });
      }
      if (def.inputSchema) {
        const errors = validateAgainst(def.inputSchema, req.input, req.workspaceId);
        if (errors) throw new InvocationError('INPUT_INVALID', errors.map((e) => `${e.field} ${e.message}`).join('; '), { errors });
      }
      if (def.type === 'apiCall') {
        output = await runApiCall(def, req.input, ctx, this.deps.apiCall);
      } else {
        streamingCode = req.onLog !== undefined;
        const r = await this.runCode(def, hash, req, ctx, streamLog);
        coldStart = r.coldStart;
        for (const l of r.logs) ctx.log(l.level, l.message);
        streamingCode = false;
        if (r.status === 'error') throw new InvocationError(r.error!.code, r.error!.message, r.error!.details);
        output = r.output;
      }
      if (def.outputSchema) {
        const errors = validateAgainst(def.outputSchema, output, req.workspaceId);
        if (errors) throw new InvocationError('OUTPUT_INVALID', `the output does not match the outputSchema: ${errors.map((e) => `${e.field} ${e.message}`).join('; ')}`, { errors });
      }
    } catch (err) {
      if (err instanceof ProblemError) {
        unregister();
        throw err;
      }
      output = undefined;
      // A schema saved before a limit was lowered is refused when used, as a failed run rather than an internal error.
      if (err instanceof LimitExceededError) error = { code: 'LIMIT_EXCEEDED', message: `the executor's schema exceeds a limit: ${err.message}` };
      else if (err instanceof InvocationError) error = { code: err.code, message: err.message, ...(err.details ? { details: err.details } : {}) };
      else error = { code: 'RUNTIME_ERROR', message: `internal failure while running the executor: ${(err as Error).message}` };
    }
    unregister();
    if (logsDropped) logs.push({ ts: new Date().toISOString(), level: 'warn', message: `${logsDropped} further log lines were dropped (limit ${MAX_LOG_LINES})` });

    const needles = redactionNeedles(revealed);
    const safeOutput = redactValue(output, needles);
    const safeError = error && redactValue(error, needles);
    const safeLogs = needles.length ? logs.map((l) => ({ ...l, message: redactText(l.message, needles) })) : logs;
    // The record of a UDF callee also hides its callers' secrets; what goes back to the calling code is unchanged.
    const recordNeedles = parent ? redactionNeedles(ctx.revealedValues()) : needles;
    const rec = <T>(v: T): T => (recordNeedles === needles ? v : redactValue(v, recordNeedles));
    const durationMs = Math.round((performance.now() - t0) * 100) / 100;
    const status = error ? 'error' : 'ok';
    const cap = this.deps.fieldCapBytes;
    await this.recorder.record({
      id: executionId,
      workspace_id: req.workspaceId,
      executor_name: def.name,
      executor_version: version,
      executor_type: def.type,
      trigger: req.trigger,
      trigger_ref: req.triggerRef ?? null,
      parent_id: parent?.executionId ?? null,
      root_id: ctx.rootId,
      status,
      input: capJson(redactValue(req.input, recordNeedles), cap),
      output: status === 'ok' ? capJson(rec(safeOutput ?? null), cap) : null,
      error: safeError ? capJson(rec(safeError), cap) : null,
      logs: capJson(rec(safeLogs), cap),
      duration_ms: durationMs,
      queue_ms: req.enqueuedAt ? Math.max(0, started - req.enqueuedAt) : 0,
      cold_start: coldStart ? 1 : 0,
      attempt: ctx.attempt,
      started_at: started,
      finished_at: Date.now(),
      node_id: this.deps.nodeId ?? null,
    });
    this.deps.metrics.invocations.inc({ type: def.type, status, trigger: req.trigger });
    this.deps.metrics.invocationSeconds.observe({ type: def.type }, durationMs / 1000);
    return {
      executionId,
      status,
      ...(status === 'ok' ? { output: safeOutput ?? null } : { error: safeError }),
      logs: safeLogs,
      durationMs,
      coldStart,
      executor: { name: def.name, version },
    };
  }

  private async runCode(def: ExecutorDefinition, hash: string, req: InvokeRequest, ctx: RunContext, streamLog: (line: LogLine) => void) {
    const runner = this.deps.codeRunner;
    if (!runner || !this.deps.sdkHosts) {
      throw new ProblemError('SERVICE_UNAVAILABLE', this.deps.codeUnavailable ?? 'code executors cannot run on this server: the sandbox is not available (see /readyz and the server log)');
    }
    const code = def.code!;
    let dependenciesDir: string | undefined;
    if (code.dependencies.trim()) {
      const dep = this.deps.dependencies?.ensureDependencies(code.language, code.dependencies, { workspaceId: req.workspaceId, allowInstallScripts: code.allowInstallScripts === true });
      if (!dep) throw new InvocationError('DEPENDENCIES_NOT_READY', 'dependency builds are not available on this server');
      if (dep.status !== 'ready' || !dep.dir) {
        throw new InvocationError('DEPENDENCIES_NOT_READY', `the dependencies are ${dep.status}${dep.error ? `: ${dep.error}` : ''}; GET /api/executors/${def.name}/dependencies shows the build log`, { status: dep.status, key: dep.key });
      }
      dependenciesDir = dep.dir;
    }
    return runner.run({
      workspaceId: req.workspaceId,
      poolKey: `${req.workspaceId}/${def.name}/${hash}`,
      language: code.language,
      mode: code.mode,
      source: code.source,
      input: req.input,
      timeoutMs: Math.max(1, ctx.deadline - Date.now()),
      memoryMb: code.memoryMb,
      egress: code.egress,
      dependenciesDir,
      execution: { id: ctx.executionId, trigger: ctx.trigger, attempt: ctx.attempt, executorName: def.name, version: ctx.version, deadline: ctx.deadline },
      host: this.deps.sdkHosts.create(ctx, this),
      ...(req.onLog ? { onLog: streamLog } : {}),
    });
  }
}
