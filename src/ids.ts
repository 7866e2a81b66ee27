// Identifiers: random UUIDs with a short type prefix, so that an id says what it names.
import { randomUUID } from 'node:crypto';

/** A new id such as `exe_0f8c…`. */
export function newId(prefix: string): string {
  return `${prefix}_${randomUUID().replaceAll('-', '')}`;
}
