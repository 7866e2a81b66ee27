// Nested work: which executions are running in this process, and which one the current async work was started by.
//
// Code reaches the platform in-process (ctx.api goes through Fastify inject with an execution-scoped token,
// ctx.emit through the events service), so "who called" is known without trusting anything the code says:
// requests authenticated with an execution token run inside `runAsPartOf(caller)`, and the invoke pipeline
// and the outbox read the caller from here. Every invocation started that way is a child of the running
// execution (same root, depth + 1, never past its deadline), and every event written that way is one causation
// step deeper than the execution that wrote it.
import { AsyncLocalStorage } from 'node:async_hooks';

/** What a nested invocation inherits from the execution that started it. */
export interface ParentCall {
  executionId: string;
  rootId: string;
  depth: number;
  deadline: number;
  callPath: string[];
  /** Secret values the callers have seen: a callee's record hides them too (a caller may pass a secret as input). */
  revealedValues?: () => string[];
  /** How many event hops led to the caller (0: not caused by an event an execution wrote). */
  causationDepth?: number;
}

/** Running executions of this process by id; an entry lives exactly as long as its run. */
const running = new Map<string, ParentCall>();
// The caller itself, not its id: work it started keeps its depth and (passed) deadline even after it ended,
// so a slow request of a finished execution cannot start fresh top-level runs.
const current = new AsyncLocalStorage<ParentCall>();

/** Registers a running execution so that work it starts can find it; returns the function that unregisters it. */
export function registerRunning(call: ParentCall): () => void {
  running.set(call.executionId, call);
  return () => {
    if (running.get(call.executionId) === call) running.delete(call.executionId);
  };
}

/** A running execution of this process, if it is still running. */
export function runningExecution(executionId: string): ParentCall | undefined {
  return running.get(executionId);
}

/** Runs `fn` (and all async work it starts) as part of the given execution. */
export function runAsPartOf<T>(call: ParentCall, fn: () => T): T {
  return current.run(call, fn);
}

/** The execution the current async work was started by, if any. */
export function currentParent(): ParentCall | undefined {
  return current.getStore();
}

/** The causation depth of an event written now: one more than the execution that writes it, else 0. */
export function currentEventDepth(): number {
  const p = currentParent();
  return p ? (p.causationDepth ?? 0) + 1 : 0;
}
