// The three runtimes by language.
import type { CodeLanguage } from '../contract.js';
import { nodeRuntime } from './node.js';
import { phpRuntime } from './php.js';
import { pythonRuntime } from './python.js';
import type { Runtime } from './runtime.js';

export const RUNTIMES: Record<CodeLanguage, Runtime> = { python: pythonRuntime, node: nodeRuntime, php: phpRuntime };
