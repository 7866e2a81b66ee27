// What the host model needs of the webhooks (replies sent through one, settings naming one): a port the host defines,
// the webhooks binding service implements it and the composition root (server.ts) hands it over. host/ imports no point.
import type { InvocationResult } from '../executors/invoke.service.js';

export interface WebhookPort {
  /** The webhook of that name, or undefined; the host only asks whether it exists. */
  find(workspaceId: string, name: string): Promise<object | undefined>;
  /** Runs the webhook's executor with `input` (a missing webhook or executor throws). */
  call(workspaceId: string, name: string, input: unknown, opts?: { triggerRef?: string; idempotencyKey?: string }): Promise<InvocationResult>;
  /** Registers a check that names what still refers to a webhook (its delete is refused while any does). */
  addReferenceCheck(check: (workspaceId: string, webhookName: string) => Promise<string[]>): void;
}
