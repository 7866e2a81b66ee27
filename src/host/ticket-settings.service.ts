// The workspace's ticket settings: which webhook sends replies (per channel or by default) and the inactivity rule.
import { Type, type Static } from '@sinclair/typebox';
import type { Db } from '../store/index.js';
import { ProblemError, type FieldError } from '../errors.js';
import type { WebhookPort } from './webhook-port.js';
import { CHANNELS, type Channel } from './tickets.model.js';

const WebhookName = Type.String({ pattern: '^[a-z][a-z0-9_-]{0,62}$' });

export const TicketSettingsBody = Type.Object({
  replyWebhook: Type.Optional(Type.Union([WebhookName, Type.Null()], { description: 'webhook that sends every reply (unless a channel has its own)' })),
  replyWebhookByChannel: Type.Optional(Type.Partial(Type.Object(Object.fromEntries(CHANNELS.map((c) => [c, WebhookName])) as Record<Channel, typeof WebhookName>), { additionalProperties: false })),
  inactivityCloseHours: Type.Optional(Type.Union([Type.Number({ exclusiveMinimum: 0, maximum: 24 * 366 }), Type.Null()], {
    description: 'pending tickets untouched this long are closed (TicketClosedDueToInactivity); null disables the rule',
  })),
}, { additionalProperties: false });
export type TicketSettingsBody = Static<typeof TicketSettingsBody>;

export interface TicketSettings {
  replyWebhook: string | null;
  replyWebhookByChannel: Partial<Record<Channel, string>>;
  inactivityCloseHours: number | null;
}

const KEY = 'tickets';
const DEFAULTS: TicketSettings = { replyWebhook: null, replyWebhookByChannel: {}, inactivityCloseHours: null };

export class TicketSettingsService {
  constructor(private readonly db: Db, private readonly webhooks: WebhookPort) {}

  async get(workspaceId: string): Promise<TicketSettings> {
    const row = await this.db.selectFrom('host_settings').select('value').where('workspace_id', '=', workspaceId).where('key', '=', KEY).executeTakeFirst();
    return row ? { ...DEFAULTS, ...(JSON.parse(row.value) as Partial<TicketSettings>) } : { ...DEFAULTS };
  }

  /** Replaces the settings; every named webhook must exist. */
  async put(workspaceId: string, body: TicketSettingsBody, now: number): Promise<TicketSettings> {
    const next: TicketSettings = {
      replyWebhook: body.replyWebhook ?? null,
      replyWebhookByChannel: body.replyWebhookByChannel ?? {},
      inactivityCloseHours: body.inactivityCloseHours ?? null,
    };
    const errors: FieldError[] = [];
    const named: Array<[string, string]> = [];
    if (next.replyWebhook) named.push(['/replyWebhook', next.replyWebhook]);
    for (const [ch, name] of Object.entries(next.replyWebhookByChannel)) named.push([`/replyWebhookByChannel/${ch}`, name]);
    for (const [field, name] of named) {
      if (!(await this.webhooks.find(workspaceId, name))) errors.push({ field, message: `no webhook named "${name}"` });
    }
    if (errors.length) throw new ProblemError('VALIDATION_FAILED', errors.map((e) => `${e.field}: ${e.message}`).join('; '), { errors });
    const value = JSON.stringify(next);
    await this.db.insertInto('host_settings').values({ workspace_id: workspaceId, key: KEY, value, updated_at: now })
      .onConflict((oc) => oc.columns(['workspace_id', 'key']).doUpdateSet({ value, updated_at: now })).execute();
    return next;
  }

  /** The webhook a reply on this channel goes through by default, if any. */
  async replyWebhookFor(workspaceId: string, channel: Channel): Promise<string | null> {
    const s = await this.get(workspaceId);
    return s.replyWebhookByChannel[channel] ?? s.replyWebhook;
  }

  /** Where the settings refer to a webhook (keeps a referenced webhook from being deleted). */
  async referencesTo(workspaceId: string, webhook: string): Promise<string[]> {
    const s = await this.get(workspaceId);
    const refs: string[] = [];
    if (s.replyWebhook === webhook) refs.push('ticket settings replyWebhook');
    for (const [ch, name] of Object.entries(s.replyWebhookByChannel)) if (name === webhook) refs.push(`ticket settings replyWebhookByChannel.${ch}`);
    return refs;
  }

  /** Every workspace with an inactivity rule. */
  async inactivityRules(): Promise<Array<{ workspaceId: string; hours: number }>> {
    const rows = await this.db.selectFrom('host_settings').select(['workspace_id', 'value']).where('key', '=', KEY).execute();
    const out: Array<{ workspaceId: string; hours: number }> = [];
    for (const r of rows) {
      const hours = (JSON.parse(r.value) as Partial<TicketSettings>).inactivityCloseHours;
      if (typeof hours === 'number' && hours > 0) out.push({ workspaceId: r.workspace_id, hours });
    }
    return out;
  }
}
