// Answering a ticket: a reply is stored, optionally sent through a webhook (then it is `sent` only when the webhook
// succeeded), and on success TicketResponse (and SendEmail on the e-mail channel) are written with it.
import type { Db } from '../store/index.js';
import { ProblemError } from '../errors.js';
import { newId } from '../ids.js';
import type { InvocationResult } from '../executors/invoke.service.js';
import type { WebhookPort } from './webhook-port.js';
import * as repo from './tickets.repository.js';
import { toReply, toTicket, type Reply, type ReplyBody, type TicketSnapshot, type TicketStatus } from './tickets.model.js';
import { emitHostEvent, type Actor, type Clock } from './host-events.js';
import type { TicketsService } from './tickets.service.js';
import type { TicketSettingsService } from './ticket-settings.service.js';

export type ReplyOutcome =
  | { ok: true; reply: Reply; ticket: TicketSnapshot }
  | { ok: false; reply: Reply; webhook: string; result: InvocationResult };

export interface RepliesDeps {
  db: Db;
  clock: Clock;
  tickets: TicketsService;
  settings: TicketSettingsService;
  webhooks: WebhookPort;
}

const replySubject = (subject: string) => (/^re:/i.test(subject) ? subject : `Re: ${subject}`);

export class RepliesService {
  constructor(private readonly deps: RepliesDeps) {}

  private async webhookFor(workspaceId: string, ticketId: string, body: ReplyBody): Promise<string | null> {
    if (body.viaWebhook !== undefined) {
      if (body.viaWebhook && !(await this.deps.webhooks.find(workspaceId, body.viaWebhook))) {
        throw new ProblemError('VALIDATION_FAILED', `webhook ${body.viaWebhook} does not exist`, { errors: [{ field: '/viaWebhook', message: `no webhook named "${body.viaWebhook}"` }] });
      }
      return body.viaWebhook;
    }
    const row = await repo.findTicket(this.deps.db, workspaceId, ticketId);
    if (!row) throw new ProblemError('NOT_FOUND', `ticket ${ticketId} does not exist`);
    return this.deps.settings.replyWebhookFor(workspaceId, row.channel as TicketSnapshot['channel']);
  }

  /** Answers a ticket. A closed ticket is refused (409) and nothing is written. */
  async reply(workspaceId: string, ticketId: string, body: ReplyBody, actor: Actor): Promise<ReplyOutcome> {
    const webhook = await this.webhookFor(workspaceId, ticketId, body);
    const { db, clock, tickets } = this.deps;
    const replyId = newId('rpl');
    const createdAt = clock();

    // Without a webhook the reply is sent as it is stored; with one it waits in `sending` (no event yet).
    const pending = await db.transaction().execute(async (trx) => {
      const row = await tickets.lockTicket(trx, workspaceId, ticketId);
      if (row.status === 'closed') throw new ProblemError('CONFLICT', `ticket ${ticketId} is closed; reopen it (PATCH status) before answering`);
      const reply: Omit<repo.ReplyRow, 'seq'> = {
        id: replyId, workspace_id: workspaceId, ticket_id: ticketId, body: body.body, to_address: body.to ?? row.from_address, author: actor.name,
        status: webhook ? 'sending' : 'sent', webhook, execution_id: null, error: null, created_at: createdAt, sent_at: webhook ? null : createdAt,
        sending_since: webhook ? createdAt : null,
      };
      await repo.insertReply(trx, reply);
      if (webhook) return { row, reply };
      const ticket = await this.markSent(trx, workspaceId, row, reply, body.status, actor, createdAt);
      return { row, reply, ticket };
    });
    if (!webhook) return { ok: true, reply: toReply(pending.reply), ticket: pending.ticket! };

    return this.deliver(workspaceId, pending.row, pending.reply, webhook, body.status, actor);
  }

  /** Sends a `sending` reply through its webhook: `sent` (with events) on success, `failed` (no events) otherwise. */
  private async deliver(workspaceId: string, ticketRow: repo.TicketRow, reply: Omit<repo.ReplyRow, 'seq'>, webhook: string, statusAfter: TicketStatus | undefined, actor: Actor): Promise<ReplyOutcome> {
    const { db, clock, tickets } = this.deps;
    const snapshot = toTicket(ticketRow);
    const input = { reply: { id: reply.id, body: reply.body, to: reply.to_address, subject: replySubject(snapshot.subject), channel: snapshot.channel, author: reply.author }, ticket: snapshot };
    let result: InvocationResult;
    try {
      // Sending a failed reply again is a retry of the same message: the reply id stays its idempotency key (webhook-id).
      result = await this.deps.webhooks.call(workspaceId, webhook, input, { triggerRef: `reply:${reply.id}`, idempotencyKey: reply.id });
    } catch (err) {
      // The webhook or its executor vanished between the check and the call: the reply failed, say why.
      const message = err instanceof Error ? err.message : String(err);
      await repo.updateReply(db, reply.id, { status: 'failed', error: JSON.stringify({ code: 'NOT_FOUND', message }) });
      throw new ProblemError('CONFLICT', `the reply could not be sent: ${message}`, { extra: { replyId: reply.id, webhook }, cause: err });
    }
    const finishedAt = clock();
    if (result.status === 'error') {
      const error = JSON.stringify({ code: result.error!.code, message: result.error!.message });
      await repo.updateReply(db, reply.id, { status: 'failed', execution_id: result.executionId, error });
      return { ok: false, webhook, result, reply: toReply({ ...reply, status: 'failed', execution_id: result.executionId, error }) };
    }
    return db.transaction().execute(async (trx) => {
      const row = await tickets.lockTicket(trx, workspaceId, ticketRow.id);
      const sent: Omit<repo.ReplyRow, 'seq'> = { ...reply, status: 'sent', execution_id: result.executionId, error: null, sent_at: finishedAt };
      await repo.updateReply(trx, reply.id, { status: 'sent', execution_id: result.executionId, error: null, sent_at: finishedAt });
      const ticket = await this.markSent(trx, workspaceId, row, sent, statusAfter, actor, finishedAt);
      return { ok: true as const, reply: toReply(sent), ticket };
    });
  }

  /** Sends a failed reply again through its webhook (or another one); refused unless the reply is `failed`. */
  async retry(workspaceId: string, ticketId: string, replyId: string, opts: { viaWebhook?: string; status?: TicketStatus }, actor: Actor): Promise<ReplyOutcome> {
    if (opts.viaWebhook && !(await this.deps.webhooks.find(workspaceId, opts.viaWebhook))) {
      throw new ProblemError('VALIDATION_FAILED', `webhook ${opts.viaWebhook} does not exist`, { errors: [{ field: '/viaWebhook', message: `no webhook named "${opts.viaWebhook}"` }] });
    }
    const { row, reply, webhook } = await this.deps.db.transaction().execute(async (trx) => {
      const row = await this.deps.tickets.lockTicket(trx, workspaceId, ticketId);
      if (row.status === 'closed') throw new ProblemError('CONFLICT', `ticket ${ticketId} is closed; reopen it (PATCH status) before answering`);
      const r = await repo.findReply(trx, replyId);
      if (!r || r.workspace_id !== workspaceId || r.ticket_id !== ticketId) throw new ProblemError('NOT_FOUND', `reply ${replyId} of ticket ${ticketId} does not exist`);
      const webhook = opts.viaWebhook ?? r.webhook;
      if (r.status !== 'failed' || !webhook) throw new ProblemError('CONFLICT', `reply ${replyId} is ${r.status}; only a failed reply can be sent again`);
      // Only one retry at a time: the status moves from failed to sending under the ticket's lock.
      const since = this.deps.clock();
      await repo.updateReply(trx, replyId, { status: 'sending', webhook, sending_since: since });
      const { seq: _seq, ...reply } = { ...r, status: 'sending', webhook, sending_since: since };
      return { row, reply, webhook };
    });
    return this.deliver(workspaceId, row, reply, webhook, opts.status, actor);
  }

  /** Records a sent reply on its ticket (activity, optional status change) and writes TicketResponse / SendEmail. */
  private async markSent(trx: Parameters<TicketsService['applyChange']>[0], workspaceId: string, row: repo.TicketRow, reply: Omit<repo.ReplyRow, 'seq'>, statusAfter: TicketStatus | undefined, actor: Actor, now: number): Promise<TicketSnapshot> {
    // Answering is activity: it restarts the inactivity clock.
    await repo.updateTicket(trx, row.id, { updated_at: now });
    const touched = { ...row, updated_at: now };
    const ticket = statusAfter ? await this.deps.tickets.applyChange(trx, workspaceId, touched, { status: statusAfter }, actor, now, 'reply') : toTicket(touched);
    const apiReply = toReply(reply);
    await emitHostEvent(trx, workspaceId, 'TicketResponse', row.id, { ticketId: row.id, userId: actor.userId, reply: apiReply, ticket }, actor, now);
    if (ticket.channel === 'email') {
      await emitHostEvent(trx, workspaceId, 'SendEmail', row.id, {
        ticketId: row.id, replyId: reply.id, userId: actor.userId, to: reply.to_address, subject: replySubject(ticket.subject), body: reply.body,
        // Set when a webhook already delivered it; a hook sending e-mail itself should act only when this is null.
        deliveredBy: reply.webhook ? `webhook:${reply.webhook}` : null, ticket,
      }, actor, now);
    }
    return ticket;
  }

  /** One reply of a ticket. */
  async get(workspaceId: string, ticketId: string, replyId: string): Promise<Reply> {
    const r = await repo.findReply(this.deps.db, replyId);
    if (!r || r.workspace_id !== workspaceId || r.ticket_id !== ticketId) throw new ProblemError('NOT_FOUND', `reply ${replyId} of ticket ${ticketId} does not exist`);
    return toReply(r);
  }
}
