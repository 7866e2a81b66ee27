// Python runtime: the real python3 (not a pyenv shim), isolated mode, SDK and bootstrap from sdk/python, pip builds.
import fs from 'node:fs';
import path from 'node:path';
import type { InterpreterInfo } from '../../limits.js';
import { prefixBinds, probe, which, type Runtime, type RuntimePaths } from '../runtime.js';

/** -I: ignore PYTHON* variables and the user site; -S: no site (fast start, no host site-packages); -B: no .pyc writes; -u: unbuffered. */
const FLAGS = ['-I', '-S', '-B', '-u'];

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
  handlerArgv(interp, paths: RuntimePaths) {
    return [interp.binary, ...FLAGS, path.join(paths.sdkDir, '_bootstrap.py')];
  },
  scriptArgv(interp, paths: RuntimePaths) {
    return [interp.binary, ...FLAGS, path.join(paths.sdkDir, '_script.py')];
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
};
