// Python runtime: the real python3 (not a pyenv shim), isolated mode, SDK and bootstrap from sdk/python, pip builds.
import fs from 'node:fs';
import path from 'node:path';
import type { InterpreterInfo } from '../../limits.js';
import { prefixBinds, probe, which, type DebugTarget, type Runtime, type RuntimeDebugger, type RuntimePaths } from '../runtime.js';

/** -I: ignore PYTHON* variables and the user site; -S: no site (fast start, no host site-packages); -B: no .pyc writes; -u: unbuffered. */
const FLAGS = ['-I', '-S', '-B', '-u'];

/** The debugpy release `--inspect` installs (pinned: the cache key is the requirement text, and the test relies on its DAP). */
export const DEBUGPY_VERSION = '1.8.22';

/**
 * debugpy's command line in front of the launcher: run as a directory (no site-packages, no PYTHONPATH under -I),
 * it listens, waits for the IDE (--wait-for-client) and then runs the launcher as __main__ in the same process, so
 * the SDK channel's descriptors 3 and 4 are the launcher's as usual. Its adapter is a second process in the sandbox.
 * -X frozen_modules=off: with frozen standard modules debugpy warns that breakpoints in them may be missed.
 */
function debugpyArgv(target: DebugTarget | undefined, launcher: string): string[] {
  if (!target) return [launcher];
  return ['-X', 'frozen_modules=off', path.join(target.debuggerDir ?? '', 'debugpy'), '--listen', `${target.host}:${target.port}`, '--wait-for-client', launcher];
}

/** debugpy: the Debug Adapter Protocol server VS Code's Python debugger speaks; installed on demand (not part of Python). */
const pythonDebugger: RuntimeDebugger = {
  name: 'debugpy',
  defaultPort: 5678,
  listens: true,
  package: `debugpy==${DEBUGPY_VERSION}`,
  attachHint(host, port) {
    return Promise.resolve([
      `debugpy listening on ${host}:${port} (Debug Adapter Protocol); the code waits until a debugger attaches.`,
      `  VS Code: a "debugpy" configuration with "request": "attach", "connect": {"host": "${host}", "port": ${port}} (docs/debugging.md).`,
    ]);
  },
};

export const pythonRuntime: Runtime = {
  language: 'python',
  mainFile: 'main.py',
  dependencyFile: 'requirements.txt',
  importAliases: ['python311'],
  manifestOf(packages) {
    return packages.join('\n') + '\n';
  },
  sdkFile: 'outrigger.py',
  detect(): InterpreterInfo | null {
    // Prefer the distribution's interpreter; else ask whatever `python3` is (a pyenv shim is a shell script) for its real binary.
    const candidates = ['/usr/bin/python3', which('python3')].filter((c): c is string => !!c);
    for (const c of candidates) {
      const out = probe(c, ['-c', 'import sys;print(sys.executable);print(sys.base_prefix);print(sys.version.split()[0])']);
      if (!out) continue;
      const [exe, prefix, version] = out.split('\n');
      if (!exe || !version) continue;
      const binary = fs.realpathSync(exe);
      const roBinds = binary.startsWith('/usr/') ? [] : prefix && !prefix.startsWith('/usr') ? [prefix] : prefixBinds(binary);
      return { language: 'python', binary, version, roBinds };
    }
    return null;
  },
  handlerArgv(interp, paths: RuntimePaths, opts) {
    return [interp.binary, ...FLAGS, ...debugpyArgv(opts.inspect, path.join(paths.sdkDir, '_bootstrap.py'))];
  },
  scriptArgv(interp, paths: RuntimePaths, opts) {
    return [interp.binary, ...FLAGS, ...debugpyArgv(opts.inspect, path.join(paths.sdkDir, '_script.py'))];
  },
  depsMount(depsDir) {
    return { src: depsDir, dest: '/opt/outrigger/deps' };
  },
  bareArgv(interp) {
    return [interp.binary, '-I', '-S', '-c', 'pass'];
  },
  registry: {
    passThrough: /^PIP_(INDEX_URL|EXTRA_INDEX_URL|TRUSTED_HOST|DEFAULT_TIMEOUT|TIMEOUT|RETRIES|FIND_LINKS)$/,
    caSettings: /^(SSL_CERT_FILE|SSL_CERT_DIR|PIP_CERT|REQUESTS_CA_BUNDLE)$/,
    indexVariables: /INDEX_URL/,
    defaultHosts: ['pypi.org', 'files.pythonhosted.org'],
  },
  installer({ interp, allowInstallScripts }) {
    // Wheels only unless the executor allows install scripts: building a source distribution runs its setup code.
    return {
      argv: [interp.binary, '-I', '/opt/outrigger/sdk/_build.py', 'pip', 'install', '--target', '/build', '--no-cache-dir',
        '--disable-pip-version-check', '--no-input', '--progress-bar', 'off', ...(allowInstallScripts ? [] : ['--only-binary=:all:']),
        '-r', '/input/requirements.txt'],
    };
  },
  installFailureHint(log, allowInstallScripts) {
    // pip's answer when only a source distribution exists reads like a missing package: say why.
    return !allowInstallScripts && /no matching distribution/i.test(log)
      ? 'only wheels are installed unless the executor sets code.allowInstallScripts: a source distribution runs setup code'
      : undefined;
  },
  debugger: pythonDebugger,
};
