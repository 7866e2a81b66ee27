// The storage editor's JSON text: parsed, or the reason it is not JSON.

/** Parses the JSON text of the editor; the message says what is wrong, next to the field. */
export function parseJsonValue(text: string): { ok: true; value: unknown } | { ok: false; message: string } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (e) {
    return { ok: false, message: `not valid JSON: ${(e as Error).message}` };
  }
}
