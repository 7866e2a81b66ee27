// The languages: one folder per language under runtimes/, each exporting its Runtime; nothing outside names a language.
import type { CodeLanguage } from '../contract.js';
import { nodeRuntime } from './node/index.js';
import { phpRuntime } from './php/index.js';
import { pythonRuntime } from './python/index.js';
import type { Runtime } from './runtime.js';

/** Every language by name (the type makes it complete: a CodeLanguage without a runtime does not compile). */
export const RUNTIMES: Record<CodeLanguage, Runtime> = { python: pythonRuntime, node: nodeRuntime, php: phpRuntime };

/** The language names, in the order the API and the docs list them. */
export const LANGUAGES = Object.keys(RUNTIMES) as CodeLanguage[];

/** The runtime whose user file is this one (main.py, main.mjs, main.php), for folders and traces. */
export function runtimeOfSourceFile(file: string): Runtime | undefined {
  return Object.values(RUNTIMES).find((r) => r.mainFile === file);
}
