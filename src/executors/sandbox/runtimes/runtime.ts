// The Runtime interface: everything about one language (detection, launch in handler and script mode, SDK files,
// dependency install, registry settings, folder file names), so that a language is one folder under runtimes/.
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
  /** `outrigger run --inspect`: start under the language's debugger (see RuntimeDebugger). */
  inspect?: DebugTarget;
}

/** Where an inspected run's debugger listens (or, for Xdebug, connects to), as the interpreter sees it. */
export interface DebugTarget {
  host: string;
  port: number;
  /** The debugger's package directory inside the sandbox (Python: debugpy's tree), when the language needs one. */
  debuggerDir: string | null;
}

/** The debugger `outrigger run --inspect` starts for one language. */
export interface RuntimeDebugger {
  /** The name users know it by (in messages). */
  readonly name: string;
  /** The port without `--inspect=<port>`. */
  readonly defaultPort: number;
  /** The debugger listens on the port and the IDE attaches (true), or it connects out to an IDE listening there (Xdebug). */
  readonly listens: boolean;
  /** A requirement line installed on demand (into the dependency cache) when the interpreter has no debugger built in. */
  readonly package?: string;
  /** Why the debugger cannot run with this interpreter, naming what to install; null when it can. */
  unavailable?(interp: InterpreterInfo): string | null;
  /** Lines telling the user how to attach, printed once the debugger waits (may ask the debugger for its URLs). */
  attachHint(host: string, port: number): Promise<string[]>;
}

/** Where a dependency build may download from, from the server's environment (see deps/registries.ts). */
export interface RegistryConfig {
  /** Environment variables handed to the installer (index URL, registry, repositories). */
  env: Record<string, string>;
  /** Host names the build may reach (none: the build has no network at all). */
  hosts: string[];
  /** Host directories bound read-only into the build (Composer `path` / `artifact` repositories). */
  binds: { src: string; dest: string }[];
  /** The installer's own configuration file, from the administrator's settings (Composer's global config.json). */
  installerConfig?: string;
}

/** Which of the server's environment variables configure a language's installer, and its default registry hosts. */
export interface RegistryRules {
  /** Installer settings passed through to the build (index URL, registry, time-outs). */
  passThrough: RegExp;
  /** Certificate settings passed through; the files they name are bound read-only into the build. */
  caSettings: RegExp;
  /** Passed-through variables whose URL values replace the default hosts (a company index or mirror). */
  indexVariables?: RegExp;
  /** Hosts the build may reach when no custom index is set. */
  defaultHosts: string[];
  /** A language's own registry setting (Composer repositories), replacing hosts; null when it is not set. */
  custom?(source: NodeJS.ProcessEnv): Pick<RegistryConfig, 'hosts' | 'binds' | 'installerConfig'> | null;
}

/** What a dependency build runs in its sandbox; the manifest is always at /input/<dependencyFile>. */
export interface InstallPlan {
  /** The installer's command line (the interpreter running the SDK's _build launcher). */
  argv: string[];
  /** Installer variables on top of the build's own and the registry settings. */
  env?: Record<string, string>;
  /** Host files bound read-only into the build (an installer outside /usr, local repositories). */
  binds?: { src: string; dest: string }[];
  /** More files created in the build sandbox (the installer's configuration). */
  dataFiles?: { dest: string; data: string }[];
  /** The manifest is also written into the build's output directory (npm and Composer install where it is). */
  manifestInOutput?: boolean;
}

export interface InstallContext {
  interp: InterpreterInfo;
  /** Package code may run at install time (npm lifecycle scripts, pip source builds). */
  allowInstallScripts: boolean;
  registry: RegistryConfig;
}

export interface Runtime {
  readonly language: CodeLanguage;
  /** Name of the user's file: traces point to it, and it names the source file of an executor folder. */
  readonly mainFile: string;
  /** The dependency manifest (requirements.txt, package.json, composer.json): in builds and executor folders. */
  readonly dependencyFile: string;
  /** Other platforms' names for this runtime, accepted on import (the reference platform's `python311`, …). */
  readonly importAliases: readonly string[];
  /** The dependency manifest listing these packages (`name`, or with a version in the installer's own spelling). */
  manifestOf(packages: string[]): string;
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
  /** Where the dependency tree is mounted inside the sandbox, relative to what `deps` builds (codeDir: the code file's directory there). */
  depsMount(depsDir: string, codeDir: string): { src: string; dest: string } | null;
  /** The bare interpreter start used as the cold-start baseline (`python3 -c pass`, …). */
  bareArgv(interp: InterpreterInfo): string[];
  /** Processes this runtime adds to an idle sandbox besides bwrap, its init and the interpreter (0 when absent). */
  extraIdleTasks?(opts: { egress: boolean }): number;
  /** Whether sandboxes with egress get the bundled undici (Node's fetch honours no proxy variables without it). */
  readonly usesUndici?: boolean;
  readonly registry: RegistryRules;
  /** The dependency build's command; throws an Error with the user's message when the installer is missing. */
  installer(ctx: InstallContext): InstallPlan;
  /** A sentence explaining a failed build's log, when the installer's own words mislead. */
  installFailureHint?(log: string, allowInstallScripts: boolean): string | undefined;
  /** The debugger of `outrigger run --inspect`; handlerArgv/scriptArgv start under it when StartOptions.inspect is set. */
  readonly debugger: RuntimeDebugger;
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

/** The host name of an http(s) URL, or null (for registry settings). */
export function urlHost(url: string): string | null {
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.hostname : null;
  } catch {
    return null;
  }
}

/** `name<sep>version` split at the first separator after the first character (`@scope/pkg@1` keeps its scope). */
export function packageVersion(spec: string, sep: RegExp): [name: string, version: string] {
  const m = sep.exec(spec.slice(1));
  return m ? [spec.slice(0, m.index + 1), spec.slice(m.index + 1 + m[0].length)] : [spec, '*'];
}
