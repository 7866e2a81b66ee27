// The port through which the integration points of this branch read and change tickets; the host model implements it.
import { ProblemError } from '../errors.js';

/** What the integration points need to know about a ticket. */
export interface TicketSnapshot {
  id: string;
  status: string;
  channel?: string | null;
  subject?: string | null;
  /** The intent the platform recognised (selects the agent of `autoexecute`). */
  intent?: string | null;
  /** The linked customer, when recognised. */
  customer?: { customerNumber: string; contractNumber?: string | null; [field: string]: unknown } | null;
  /** Parameters extracted from the messages (agent data for `autoexecute`). */
  data?: Record<string, unknown> | null;
  [field: string]: unknown;
}

/** Read and change tickets; implemented by the built-in host model (`src/host/`) or an adapter to a real platform. */
export interface TicketPort {
  get(workspaceId: string, id: string): Promise<TicketSnapshot | undefined>;
  /** Posts a reply (which emits TicketResponse). */
  addReply(workspaceId: string, id: string, reply: { body: string; author: string }): Promise<void>;
  /** Links a customer and optionally a contract (which emits ProfileUpdated/TicketUpdated). */
  linkCustomer(workspaceId: string, id: string, link: { customerNumber: string; contractNumber?: string }): Promise<void>;
}

/** Resolves a ticket through the port, or fails with the problem the API promises (400 without port, 404 unknown). */
export async function requireTicket(port: TicketPort | undefined, workspaceId: string, ticketId: string): Promise<{ port: TicketPort; ticket: TicketSnapshot }> {
  if (!port) throw new ProblemError('VALIDATION_FAILED', 'tickets are not available on this server', { errors: [{ field: '/ticketId', message: 'tickets are not available' }] });
  const ticket = await port.get(workspaceId, ticketId);
  if (!ticket) throw new ProblemError('NOT_FOUND', `ticket ${ticketId} does not exist`);
  return { port, ticket };
}

/** The reference platform's `_metadata` fields, so executors written for it read them unchanged. */
export interface ReferenceMetadata {
  ticketId: string | null;
  contractId: string | null;
  from: string | null;
  /** Not tracked here (no legitimation levels yet): the ticket's value when an adapter supplies one, else null. */
  customerLegitimation: string | null;
  channel: string | null;
  /** Not tracked here either: the ticket's value when an adapter supplies one, else null. */
  aiSupportLevel: string | number | null;
}

/** The reference `_metadata` fields of a ticket (or of none), next to which each point puts its own. */
export function referenceMetadata(ticket: TicketSnapshot | undefined, customer: { contractNumber?: unknown } | null, channel: string | null): ReferenceMetadata {
  const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
  return {
    ticketId: ticket?.id ?? null,
    contractId: str(ticket?.customer?.contractNumber) ?? str(customer?.contractNumber),
    from: str(ticket?.from),
    customerLegitimation: str(ticket?.customerLegitimation),
    channel,
    aiSupportLevel: typeof ticket?.aiSupportLevel === 'number' || typeof ticket?.aiSupportLevel === 'string' ? ticket.aiSupportLevel : null,
  };
}
