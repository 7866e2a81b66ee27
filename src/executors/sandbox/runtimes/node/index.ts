// Node.js runtime: the running node binary, V8 heap capped below the cgroup limit, SDK and bootstrap from sdk/node,
// npm builds.
import fs from 'node:fs';
import path from 'node:path';
import type { InterpreterInfo } from '../../limits.js';
import { prefixBinds, probe, which, packageVersion, type DebugTarget, type Runtime, type RuntimeDebugger, type RuntimePaths } from '../runtime.js';

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

/**
 * --inspect-brk, not --inspect: the run waits before its first statement until a debugger has attached and resumed,
 * so breakpoints in the user's module (loaded right after) are set in time.
 */
function inspectFlags(target: DebugTarget | undefined): string[] {
  return target ? [`--inspect-brk=${target.host}:${target.port}`] : [];
}

/** One target of the inspector's HTTP list (`/json/list`). */
interface InspectorTarget {
  webSocketDebuggerUrl?: string;
  devtoolsFrontendUrl?: string;
}

/** Node's own inspector: the Chrome DevTools Protocol over a WebSocket whose URL holds a per-process id. */
const nodeDebugger: RuntimeDebugger = {
  name: 'Node.js inspector',
  defaultPort: 9229,
  listens: true,
  async attachHint(host, port) {
    // The WebSocket URL carries an id chosen by the process: ask the inspector for it, as chrome://inspect does.
    const targets = await fetch(`http://${host}:${port}/json/list`).then((r) => r.json() as Promise<InspectorTarget[]>).catch(() => []);
    const t = targets[0];
    return [
      `Node.js inspector listening on ${host}:${port}, paused before the first statement (--inspect-brk).`,
      ...(t?.webSocketDebuggerUrl ? [`  WebSocket (Chrome DevTools Protocol): ${t.webSocketDebuggerUrl}`] : []),
      ...(t?.devtoolsFrontendUrl ? [`  Chrome DevTools (paste into Chrome's address bar): ${t.devtoolsFrontendUrl}`] : []),
      `  VS Code: an "attach" configuration with "port": ${port} and "continueOnAttach": true (docs/debugging.md); or open chrome://inspect.`,
    ];
  },
};

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
    return [interp.binary, ...inspectFlags(opts.inspect), heapFlag(opts.memoryMb), path.join(paths.sdkDir, '_bootstrap.mjs')];
  },
  scriptArgv(interp, paths: RuntimePaths, opts) {
    return [interp.binary, ...inspectFlags(opts.inspect), heapFlag(opts.memoryMb), '--import', path.join(paths.sdkDir, '_preload.mjs'),
      opts.spare ? path.join(paths.sdkDir, '_script.mjs') : paths.codeFile];
  },
  depsMount(depsDir, codeDir) {
    // ESM resolution ignores NODE_PATH: the tree goes where `import 'pkg'` from the code file (/code/main.mjs) looks.
    return { src: path.join(depsDir, 'node_modules'), dest: path.join(codeDir, 'node_modules') };
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
  debugger: nodeDebugger,
};
