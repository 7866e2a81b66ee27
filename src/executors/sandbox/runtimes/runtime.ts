// The Runtime interface: how one language is detected, started in handler and script mode, and where its SDK lives.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CodeLanguage } from '../contract.js';
import type { InterpreterInfo } from '../limits.js';

/** Paths as the interpreter sees them (inside the sandbox, or on the host when unsandboxed). */
export interface RuntimePaths {
  /** The user's main file (main.py, main.mjs, main.php). */
  codeFile: string;
  /** Directory with the SDK and bootstrap files of the language. */
  sdkDir: string;
  /** The installed dependency tree, when there is one. */
  depsDir: string | null;
}

export interface StartOptions {
  memoryMb: number;
  /** A script spare: the interpreter runs the SDK's script launcher, which receives the source over the channel. */
  spare?: boolean;
}

export interface Runtime {
  readonly language: CodeLanguage;
  /** Name of the user's file: traces point to it. */
  readonly mainFile: string;
  /** Name of the SDK file inside sdkDir (the `SDK` variable in script mode). */
  readonly sdkFile: string;
  /**
   * Script mode only: the file name a script is run as, and the SDK file its `SDK` variable names, when the source
   * needs other ones than mainFile/sdkFile (a CommonJS Node.js script runs as main.cjs with a require-able SDK).
   */
  scriptFiles?(source: string): { mainFile: string; sdkFile: string };
  /** Finds the real interpreter binary (shims and alternatives resolved) or null. */
  detect(): InterpreterInfo | null;
  handlerArgv(interp: InterpreterInfo, paths: RuntimePaths, opts: StartOptions): string[];
  scriptArgv(interp: InterpreterInfo, paths: RuntimePaths, opts: StartOptions): string[];
  /** Where the dependency tree is mounted inside the sandbox, relative to what `deps` builds. */
  depsMount(depsDir: string): { src: string; dest: string } | null;
  /** The bare interpreter start used as the cold-start baseline (`python3 -c pass`, …). */
  bareArgv(interp: InterpreterInfo): string[];
}

/** Host directory of the SDKs (`<repo>/sdk`), found by walking up from this file (works from src/ and dist/). */
export function sdkRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    if (fs.existsSync(path.join(dir, 'sdk', 'PROTOCOL.md'))) return path.join(dir, 'sdk');
    dir = path.dirname(dir);
  }
  throw new Error('Outrigger SDK directory (sdk/PROTOCOL.md) not found');
}

/** Runs a detection command with a short time-out; null on any failure. */
export function probe(file: string, args: string[], env: NodeJS.ProcessEnv = process.env): string | null {
  try {
    return execFileSync(file, args, { env, timeout: 5000, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

/** Finds an executable on PATH (detection only; never used to run user code). */
export function which(name: string): string | null {
  for (const dir of (process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin').split(':')) {
    const p = path.join(dir, name);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {
      // next
    }
  }
  return null;
}

/** A prefix directory to bind read-only when the binary lives outside /usr (pyenv, nvm, /opt/…). */
export function prefixBinds(binary: string): string[] {
  if (binary.startsWith('/usr/')) return [];
  return [path.dirname(path.dirname(binary))];
}
