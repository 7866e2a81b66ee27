// Turns a JavaScript error into the RUNTIME_ERROR details (type, message, stack and line in the user's main.mjs).
import { format } from 'node:util';
import { pathToFileURL } from 'node:url';

export const escapeRegExp = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export function describeError(e, userFile) {
  const userUrl = pathToFileURL(userFile).href;
  const err = e instanceof Error ? e : new Error(typeof e === 'string' ? e : format('%o', e));
  const lines = String(err.stack || `${err.name}: ${err.message}`).split('\n');
  // Drop our own frames and Node internals; keep the user's and their dependencies'.
  const kept = lines.filter((l) => !/^\s+at /.test(l) || !/\/opt\/outrigger\/sdk\/|node:internal|_bootstrap\.mjs|_preload\.mjs|_script\.mjs|outrigger\.mjs/.test(l));
  const stack = kept.join('\n').split(userUrl).join('main.mjs').split(userFile).join('main.mjs');
  const d = { type: err.name || err.constructor?.name || 'Error', message: err.message || String(err), stack };
  const m = new RegExp(`${escapeRegExp(userFile)}:(\\d+)`).exec(String(err.stack));
  if (m) Object.assign(d, { file: 'main.mjs', line: Number(m[1]) });
  if (err.name === 'OutriggerError' && typeof err.code === 'string') d.sdkCode = err.code;
  return d;
}
