// Epoch milliseconds (how rows store times) to the ISO 8601 strings the API shows.

export const iso = (ms: number): string => new Date(ms).toISOString();

export const isoOrNull = (ms: number | null): string | null => (ms === null ? null : iso(ms));
