// Helpers of the reference SDK for Node.js: German date format, yes/no values, IBAN formatting and mod-97 validation.
'use strict';

const IBAN_LENGTHS = { AT: 20, BE: 16, CH: 21, CZ: 24, DE: 22, DK: 18, ES: 24, FI: 18, FR: 27, GB: 22, IE: 22, IT: 27, LI: 21, LU: 20, NL: 18, NO: 15, PL: 28, PT: 25, SE: 24 };

/** 31.12.2024, 2024-12-31, 31/12/2024 or an ISO date-time as {y, m, d}, or null. */
function parse(s) {
  const t = String(s).trim();
  let m = /^(\d{1,2})\.(\d{1,2})\.(\d{4})$/.exec(t) ?? /^(\d{2})\/(\d{2})\/(\d{4})$/.exec(t);
  if (m) return valid(+m[3], +m[2], +m[1]);
  m = /^(\d{4})-(\d{2})-(\d{2})(?:T.*)?$/.exec(t);
  return m ? valid(+m[1], +m[2], +m[3]) : null;
}
function valid(y, m, d) {
  const dt = new Date(Date.UTC(y, m - 1, d));
  return dt.getUTCFullYear() === y && dt.getUTCMonth() === m - 1 && dt.getUTCDate() === d ? { y, m, d } : null;
}
const pad = (n, w = 2) => String(n).padStart(w, '0');
const compact = (iban) => String(iban).replace(/[\s-]+/g, '').toUpperCase();

module.exports = {
  /** `de`: DD.MM.YYYY; `en`: MM/DD/YYYY; `iso`/`ymd`: YYYY-MM-DD. */
  formatDate(date, format = 'de') {
    if (date === null || date === undefined || date === '') return null;
    const p = date instanceof Date ? { y: date.getFullYear(), m: date.getMonth() + 1, d: date.getDate() } : parse(date);
    if (!p) return null;
    if (format === 'en') return `${pad(p.m)}/${pad(p.d)}/${p.y}`;
    if (format === 'iso' || format === 'ymd') return `${p.y}-${pad(p.m)}-${pad(p.d)}`;
    return `${pad(p.d)}.${pad(p.m)}.${p.y}`;
  },
  parseDateToYMD(date) {
    const p = date === null || date === undefined ? null : parse(date);
    return p ? `${p.y}-${pad(p.m)}-${pad(p.d)}` : null;
  },
  boolval(v) {
    if (typeof v === 'boolean') return v;
    if (typeof v === 'number') return v !== 0;
    return ['1', 'true', 'yes', 'ja', 'y', 'j', 'on', 'x', 'wahr'].includes(String(v ?? '').trim().toLowerCase());
  },
  formatIban: (iban) => compact(iban).replace(/(.{4})/g, '$1 ').trim(),
  /** Country length and ISO 13616 check digits (mod 97 = 1). */
  validateIbanFormatting(iban) {
    const c = compact(iban);
    const m = /^([A-Z]{2})(\d{2})([A-Z0-9]{11,30})$/.exec(c);
    if (!m || (IBAN_LENGTHS[m[1]] && c.length !== IBAN_LENGTHS[m[1]])) return false;
    let rest = 0;
    for (const ch of c.slice(4) + c.slice(0, 4)) {
      const digits = ch >= 'A' ? String(ch.charCodeAt(0) - 55) : ch;
      for (const d of digits) rest = (rest * 10 + Number(d)) % 97;
    }
    return rest === 1;
  },
};
