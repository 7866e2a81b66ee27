// Node.js runtime: the running node binary, V8 heap capped below the cgroup limit, SDK and bootstrap from sdk/node,
// npm builds.
import fs from 'node:fs';
import path from 'node:path';
import type { InterpreterInfo } from '../../limits.js';
import { prefixBinds, probe, which, packageVersion, type Runtime, type RuntimePaths } from '../runtime.js';

/** V8 would otherwise size its heap from host memory and die by the cgroup OOM killer instead of a clean heap error. */
function heapFlag(memoryMb: number): string {
  return `--max-old-space-size=${Math.max(16, Math.floor(memoryMb * 0.6))}`;
}

// ESM syntax at the start of a line (import/export statements); `import(` and `import.meta` are not statements.
const ESM_SYNTAX = /^\s*(?:import\s*(?:[\w*{]|['"])|export\s+(?:default|const|let|var|async|function|class|\{|\*))/m;
const CJS_SYNTAX = /\brequire\s*\(|\bmodule\.exports\b|\bexports\.\w+\s*=/;

/**
 * Whether a script is CommonJS, the way scripts on other platforms' sandboxes are written (`require(process.env.SDK)`):
 * it uses require/module.exports and has no import/export statement. A `// @outrigger-module commonjs` line declares
 * it explicitly either way (`esm` for the opposite).
 */
export function isCommonJsScript(source: string): boolean {
  const declared = /^\s*\/\/\s*@outrigger-module\s+(commonjs|cjs|esm|module)\b/m.exec(source)?.[1];
  if (declared) return declared === 'commonjs' || declared === 'cjs';
  return CJS_SYNTAX.test(source) && !ESM_SYNTAX.test(source);
}

export const nodeRuntime: Runtime = {
  language: 'node',
  mainFile: 'main.mjs',
  dependencyFile: 'package.json',
  importAliases: ['node20'],
  manifestOf(packages) {
    return JSON.stringify({ dependencies: Object.fromEntries(packages.map((p) => packageVersion(p, /@/))) }, null, 2) + '\n';
  },
  sdkFile: 'outrigger.mjs',
  // Node's fetch ignores HTTP_PROXY: the SDK's egress preload installs undici's proxy agent (sdk/node/_egress.mjs).
  usesUndici: true,
  scriptFiles(source) {
    // The require-able SDK (enneo.cjs) carries the reference SDK surface and our own script calls.
    return isCommonJsScript(source) ? { mainFile: 'main.cjs', sdkFile: 'enneo.cjs' } : { mainFile: 'main.mjs', sdkFile: 'outrigger.mjs' };
  },
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
  registry: {
    passThrough: /^(npm_config_registry|NPM_CONFIG_REGISTRY|npm_config_@[^_]+:registry)$/,
    caSettings: /^(SSL_CERT_FILE|SSL_CERT_DIR|NODE_EXTRA_CA_CERTS|npm_config_cafile|NPM_CONFIG_CAFILE)$/,
    indexVariables: /registry/i,
    defaultHosts: ['registry.npmjs.org'],
  },
  installer({ interp, allowInstallScripts }) {
    const npm = which('npm');
    if (!npm) throw new Error('npm is not installed on this server');
    // Lifecycle scripts (preinstall, install, postinstall, prepare) are arbitrary code: off unless the executor opts in.
    return {
      argv: [interp.binary, '/opt/outrigger/sdk/_build.mjs', fs.realpathSync(npm), 'install', '--omit=dev', '--no-audit', '--no-fund',
        '--no-update-notifier', '--loglevel=warn', ...(allowInstallScripts ? [] : ['--ignore-scripts']), '--prefix', '/build'],
      manifestInOutput: true,
    };
  },
};
