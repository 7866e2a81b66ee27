// What a type runner (apiCall, code) gets for one execution: identity, deadline, logs, and audited secret access.
import type { LogLine } from './sandbox/contract.js';

export type Trigger = 'test' | 'api' | 'webhook' | 'event' | 'tool' | 'agent' | 'customerRecognition' | 'udf' | 'cron';
export const TRIGGERS: readonly Trigger[] = ['test', 'api', 'webhook', 'event', 'tool', 'agent', 'customerRecognition', 'udf', 'cron'];

export interface RunContext {
  executionId: string;
  rootId: string;
  workspaceId: string;
  executorName: string;
  version: number;
  trigger: Trigger;
  attempt: number;
  /**
   * What stays the same across every retry of one piece of work (an event delivery's id, a reply's id); the execution
   * id otherwise. Signed apiCall requests send it as `webhook-id`, the receivers' idempotency key.
   */
  idempotencyKey: string;
  /** Epoch ms after which the run is cut off; nested UDF calls inherit it. */
  deadline: number;
  /** Nesting depth of this execution (0 at the top): UDF calls and invocations through ctx.api. */
  depth: number;
  /** Event hops that led to this execution; events it emits are one deeper. */
  causationDepth: number;
  /** Names of executors on the call path, to refuse cycles. */
  callPath: string[];
  logs: LogLine[];
  log(level: LogLine['level'], message: string): void;
  /** Decrypts secrets and remembers their values, so that everything recorded afterwards is redacted. */
  revealSecrets(names: string[]): Promise<Map<string, string>>;
  /** Every secret value this execution has seen. */
  revealedValues(): string[];
}
