// The PostgreSQL NOTIFY channels, named once: a migration's trigger, a service's NOTIFY and a loop's LISTEN must agree.

/**
 * New deliveries to claim: the trigger of migration 003 notifies it at commit, replay notifies it, every node's
 * dispatcher listens. Renaming it takes a migration that recreates the trigger function.
 */
export const DELIVERIES_CHANNEL = 'outrigger_deliveries';
