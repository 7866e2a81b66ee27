// The event type catalogue (SPEC 3): platform events, cron events, custom events, and hook type patterns.

/** Events of the customer-service platform (built-in host model or an external platform via POST /api/events). */
export const PLATFORM_EVENT_TYPES = [
  'TicketCreated', 'TicketUpdated', 'TicketResponse', 'TicketClosed', 'TicketRouted', 'TicketForwarded',
  'TicketClosedDueToInactivity', 'ConversationCreated', 'ProfileCreated', 'ProfileUpdated', 'ProfileDeleted',
  'SendEmail', 'EmailAutoresponder', 'NotifySurroundingSystems', 'AutoProcessIntent', 'TestTicketAiQuality',
] as const;

/** Cron events and their schedules, evaluated in the workspace's time zone. */
export const CRON_SCHEDULES = {
  CronMinute: '*/5 * * * 1-5',
  CronHour: '1 * * * *',
  CronDay: '0 2 * * 1-5',
  CronWeek: '0 2 * * 6',
} as const;
export type CronType = keyof typeof CRON_SCHEDULES;
export const CRON_TYPES = Object.keys(CRON_SCHEDULES) as CronType[];

const PLATFORM = new Set<string>(PLATFORM_EVENT_TYPES);
const CRON = new Set<string>(CRON_TYPES);
const CUSTOM = /^custom\.[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$/;
const CUSTOM_WILDCARD = /^custom\.([A-Za-z0-9][A-Za-z0-9_.:-]{0,99}\.)?\*$/;

/** Whether a type may be published through the API or `ctx.emit` (cron events are fired by the scheduler only). */
export function publishableProblem(type: string): string | undefined {
  if (PLATFORM.has(type) || CUSTOM.test(type)) return undefined;
  if (CRON.has(type)) return `${type} is fired by the scheduler and cannot be published`;
  return `unknown event type "${type}": use one of ${PLATFORM_EVENT_TYPES.join(', ')} or custom.<name>`;
}

/** Whether a hook may subscribe to this type pattern: a known type, custom.<name>, or a `prefix.*` / `*` wildcard. */
export function hookTypeProblem(pattern: string): string | undefined {
  if (PLATFORM.has(pattern) || CRON.has(pattern) || CUSTOM.test(pattern) || CUSTOM_WILDCARD.test(pattern) || pattern === '*') return undefined;
  return `unknown event type "${pattern}": use a platform or cron event type, custom.<name>, custom.<prefix>.* or *`;
}

/** Whether a hook's type patterns match an event type; `*` matches every event but cron events, which must be named. */
export function typeMatches(patterns: readonly string[], type: string): boolean {
  for (const p of patterns) {
    if (p === type || (p === '*' && !CRON.has(type))) return true;
    if (p.endsWith('.*') && type.startsWith(p.slice(0, -1))) return true;
  }
  return false;
}

/** Cron events run with the `cron` trigger, every other event with `event`. */
export function triggerFor(type: string): 'cron' | 'event' {
  return CRON.has(type) ? 'cron' : 'event';
}

export interface EventTypeEntry {
  type: string;
  kind: 'platform' | 'cron';
  /** Cron events: the schedule, in the workspace's time zone. */
  schedule?: string;
}

/** The catalogue a hook editor offers: every platform and cron event type, and the patterns a hook may also name. */
export function eventTypeCatalogue(): { items: EventTypeEntry[]; patterns: Array<{ pattern: string; description: string }> } {
  return {
    items: [
      ...PLATFORM_EVENT_TYPES.map((type) => ({ type, kind: 'platform' as const })),
      ...CRON_TYPES.map((type) => ({ type, kind: 'cron' as const, schedule: CRON_SCHEDULES[type] })),
    ],
    patterns: [
      { pattern: 'custom.<name>', description: 'a custom event published with POST /api/events or ctx.emit' },
      { pattern: 'custom.<prefix>.*', description: 'every custom event under the prefix' },
      { pattern: 'custom.*', description: 'every custom event' },
      { pattern: '*', description: 'every event except cron events, which must be named' },
    ],
  };
}
