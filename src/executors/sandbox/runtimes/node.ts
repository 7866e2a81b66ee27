// Node.js runtime: the running node binary, V8 heap capped below the cgroup limit, SDK and bootstrap from sdk/node.
import fs from 'node:fs';
import path from 'node:path';
import type { InterpreterInfo } from '../limits.js';
import { prefixBinds, probe, type Runtime, type RuntimePaths } from './runtime.js';

/** V8 would otherwise size its heap from host memory and die by the cgroup OOM killer instead of a clean heap error. */
function heapFlag(memoryMb: number): string {
  return `--max-old-space-size=${Math.max(16, Math.floor(memoryMb * 0.6))}`;
}

export const nodeRuntime: Runtime = {
  language: 'node',
  mainFile: 'main.mjs',
  sdkFile: 'outrigger.mjs',
  detect(): InterpreterInfo | null {
    const binary = fs.realpathSync(process.execPath);
    const version = probe(binary, ['-p', 'process.versions.node']);
    if (!version) return null;
    return { language: 'node', binary, version, roBinds: prefixBinds(binary) };
  },
  handlerArgv(interp, paths: RuntimePaths, opts) {
    return [interp.binary, heapFlag(opts.memoryMb), path.join(paths.sdkDir, '_bootstrap.mjs')];
  },
  scriptArgv(interp, paths: RuntimePaths, opts) {
    return [interp.binary, heapFlag(opts.memoryMb), '--import', path.join(paths.sdkDir, '_preload.mjs'),
      opts.spare ? path.join(paths.sdkDir, '_script.mjs') : paths.codeFile];
  },
  depsMount(depsDir) {
    // ESM resolution ignores NODE_PATH: the tree goes where `import 'pkg'` from /code/main.mjs looks.
    return { src: path.join(depsDir, 'node_modules'), dest: '/code/node_modules' };
  },
  bareArgv(interp) {
    return [interp.binary, '-e', '0'];
  },
};
