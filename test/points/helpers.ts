// Helpers of the points suites: apiCall executors against local upstreams, and an in-memory TicketPort test double.
import type { TestServer } from '../helpers/server.js';
import type { TicketPort, TicketSnapshot } from '../../src/points/ticket-port.js';

/** Creates an apiCall executor and fails the test when the API refuses it. */
export async function createApiCallExecutor(s: TestServer, name: string, method: string, url: string, extra: Record<string, unknown> = {}): Promise<void> {
  const r = await s.api('POST', '/api/executors', { name, type: 'apiCall', apiCall: { method, url }, ...extra });
  if (r.status !== 201) throw new Error(`creating executor ${name} failed: ${r.status} ${r.raw}`);
}

export { waitFor } from '../helpers/wait.js';

/**
 * A TicketPort over a map: stands in for the host model (src/host/, another branch) so that linking and replies can be
 * asserted here; the real implementation is tested after the merge.
 */
export class MemoryTickets implements TicketPort {
  readonly tickets = new Map<string, TicketSnapshot & { replies: Array<{ body: string; author: string }> }>();

  add(id: string, fields: Partial<TicketSnapshot> = {}): void {
    this.tickets.set(id, { id, status: 'open', channel: 'email', customer: null, ...fields, replies: [] });
  }

  async get(_ws: string, id: string): Promise<TicketSnapshot | undefined> {
    const t = this.tickets.get(id);
    if (!t) return undefined;
    const { replies: _replies, ...snapshot } = t;
    return structuredClone(snapshot);
  }

  async addReply(_ws: string, id: string, reply: { body: string; author: string }): Promise<void> {
    this.tickets.get(id)!.replies.push(reply);
  }

  async linkCustomer(_ws: string, id: string, link: { customerNumber: string; contractNumber?: string }): Promise<void> {
    this.tickets.get(id)!.customer = { ...link };
  }
}
