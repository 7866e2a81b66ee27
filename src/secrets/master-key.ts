// Loads the 256-bit master key from OUTRIGGER_MASTER_KEY or from a key file created once with mode 0600.
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { ConfigError } from '../config.js';

/** A configuration problem (printed without a stack by the CLI). */
export class MasterKeyError extends ConfigError {}

function decodeKey(text: string, source: string): Buffer {
  const trimmed = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(trimmed) ? Buffer.from(trimmed, 'hex') : Buffer.from(trimmed, 'base64');
  if (key.length !== 32) throw new MasterKeyError(`${source} must hold 32 bytes as 64 hex characters or base64 (got ${key.length} bytes)`);
  return key;
}

/** The master key: from the environment value when given, else `<dataDir>/master.key` (created when missing). */
export function loadMasterKey(envValue: string | undefined, dataDir: string): Buffer {
  if (envValue) return decodeKey(envValue, 'OUTRIGGER_MASTER_KEY');
  const file = path.join(dataDir, 'master.key');
  fs.mkdirSync(dataDir, { recursive: true });
  try {
    // `wx` fails when the file exists, so two processes starting together never overwrite each other's key.
    fs.writeFileSync(file, randomBytes(32).toString('base64') + '\n', { flag: 'wx', mode: 0o600 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const mode = fs.statSync(file).mode & 0o777;
  if (mode & 0o077) throw new MasterKeyError(`${file} is readable by others (mode ${mode.toString(8)}); run chmod 600 on it`);
  return decodeKey(fs.readFileSync(file, 'utf8'), file);
}
