// Who changed something in the host model, and the one way host changes write their events (inside the change's transaction).
import type { Tx } from '../store/index.js';
import type { Principal } from '../auth/tokens.js';
import { appendEvent } from '../events/outbox.js';

/** Returns the current time in epoch ms; injectable so that tests control the inactivity rule. */
export type Clock = () => number;

/** The author of a change: `userId` goes into event payloads, `source` into the event row. */
export interface Actor {
  userId: string | null;
  /** Readable name (the token's name), e.g. the author of a reply. */
  name: string;
  source: string;
}

/** The actor of an API request; a change made by running code (`ctx.api`) is sourced to its execution. */
export function actorOf(principal: Principal): Actor {
  return { userId: principal.tokenId, name: principal.name, source: principal.name.startsWith('execution:') ? principal.name : 'host' };
}

/** The actor of the platform's own rules (inactivity sweep). */
export const SYSTEM_ACTOR: Actor = { userId: null, name: 'system', source: 'host' };

/** Host event types (SPEC 3). */
export type HostEventType =
  | 'TicketCreated' | 'TicketUpdated' | 'TicketResponse' | 'TicketClosed' | 'TicketRouted' | 'TicketForwarded'
  | 'TicketClosedDueToInactivity' | 'ConversationCreated' | 'ProfileCreated' | 'ProfileUpdated' | 'ProfileDeleted' | 'SendEmail';

/** Writes one host event in the given transaction. */
export function emitHostEvent(trx: Tx, workspaceId: string, type: HostEventType, subject: string, data: unknown, actor: Actor, occurredAt: number): Promise<string> {
  return appendEvent(trx, workspaceId, { type, subject, data, source: actor.source, occurredAt });
}
