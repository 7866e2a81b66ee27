// Epoch milliseconds (how rows store times) to the ISO 8601 strings the API, logs and events show: the one place for it.

export const iso = (ms: number): string => new Date(ms).toISOString();

/** `null` (and an unset value) stays null: optional times such as expiresAt or lastUsedAt. */
export const isoOrNull = (ms: number | null | undefined): string | null => (ms === null || ms === undefined ? null : iso(ms));

/** The current time, e.g. of a log line. */
export const nowIso = (): string => new Date().toISOString();

/** The UTC calendar date of a time: `YYYY-MM-DD`. */
export const isoDate = (ms: number): string => iso(ms).slice(0, 10);
