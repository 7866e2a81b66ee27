// Wiring: the built-in host model behind the TicketPort that customer recognition and the agents use (here, not in host/ or points/, so that neither imports the other).
import { ProblemError } from './errors.js';
import type { TicketPort } from './points/ticket-port.js';
import type { Host } from './host/host.plugin.js';

/** Adapts the host model's services to the port; a real platform would get an adapter of its own. */
export function hostTicketPort(host: Host): TicketPort {
  return {
    async get(workspaceId, id) {
      try {
        const { replies: _replies, ...ticket } = await host.tickets.get(workspaceId, id);
        return ticket;
      } catch (err) {
        if (err instanceof ProblemError && err.code === 'NOT_FOUND') return undefined;
        throw err;
      }
    },
    async addReply(workspaceId, id, reply) {
      const outcome = await host.replies.reply(workspaceId, id, { body: reply.body }, { userId: null, name: reply.author, source: 'agent' });
      if (!outcome.ok) {
        const e = outcome.result.error!;
        throw new ProblemError('CONFLICT', `the reply was not sent: webhook ${outcome.webhook} failed with ${e.code}: ${e.message}`, { extra: { executionId: outcome.result.executionId, replyId: outcome.reply.id } });
      }
    },
    async linkCustomer(workspaceId, id, link) {
      await host.tickets.update(workspaceId, id, { customer: { customerNumber: link.customerNumber, contractNumber: link.contractNumber ?? null } }, { userId: null, name: 'customer-recognition', source: 'customerRecognition' });
    },
  };
}
