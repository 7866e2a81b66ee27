// PHP runtime: the versioned php-cli binary (alternatives resolved), memory_limit below the cgroup limit, FFI off,
// Composer builds.
import fs from 'node:fs';
import path from 'node:path';
import type { InterpreterInfo } from '../../limits.js';
import { prefixBinds, probe, which, packageVersion, type Runtime, type RuntimeDebugger, type RuntimePaths, type StartOptions } from '../runtime.js';
import { composerRepositories, composerSetup } from './composer.js';

function flags(opts: StartOptions): string[] {
  return [
    '-d', `memory_limit=${Math.max(16, Math.floor(opts.memoryMb * 0.7))}M`,
    // Warnings go to stderr (a log), never into output.
    '-d', 'display_errors=stderr', '-d', 'log_errors=0', '-d', 'html_errors=0', '-d', 'error_reporting=E_ALL',
    // Not a boundary (the namespaces are), but no reason to offer raw memory access.
    '-d', 'ffi.enable=0',
    // Reads on the SDK channel (php://fd/3) are stream reads with PHP's socket time-out (60 s by default): a warm
    // worker idle for longer would see end-of-input and stop serving. The host owns every deadline, so: none here.
    '-d', 'default_socket_timeout=-1',
    ...xdebugFlags(opts),
  ];
}

/**
 * Xdebug's step debugger for this run only: it connects out to the IDE (which listens, "Listen for Xdebug") at the
 * start of the request; with no IDE listening it logs a warning and the code runs on undebugged.
 */
function xdebugFlags(opts: StartOptions): string[] {
  const t = opts.inspect;
  if (!t) return [];
  return ['-d', 'xdebug.mode=debug', '-d', 'xdebug.start_with_request=yes', '-d', `xdebug.client_host=${t.host}`, '-d', `xdebug.client_port=${t.port}`];
}

/** Xdebug: a PHP extension, not part of PHP; when this PHP does not load it, `--inspect` says what to install. */
const phpDebugger: RuntimeDebugger = {
  name: 'Xdebug',
  defaultPort: 9003,
  listens: false,
  unavailable(interp) {
    if (/^xdebug$/im.test(probe(interp.binary, ['-m']) ?? '')) return null;
    return `--inspect for PHP needs the Xdebug extension, which ${interp.binary} (PHP ${interp.version}) does not load: `
      + 'install it (Debian/Ubuntu: apt-get install php-xdebug; elsewhere: pecl install xdebug and zend_extension=xdebug in php.ini) and run again';
  },
  attachHint(host, port) {
    return Promise.resolve([
      `Xdebug connects to your IDE at ${host}:${port} when the code starts: start listening first`
        + ` (VS Code, PHP Debug extension: "Listen for Xdebug" on port ${port}, docs/debugging.md).`,
    ]);
  },
};

export const phpRuntime: Runtime = {
  language: 'php',
  mainFile: 'main.php',
  dependencyFile: 'composer.json',
  importAliases: ['php82'],
  manifestOf(packages) {
    return JSON.stringify({ require: Object.fromEntries(packages.map((p) => packageVersion(p, /:/))) }, null, 2) + '\n';
  },
  sdkFile: 'outrigger.php',
  detect(): InterpreterInfo | null {
    const onPath = which('php');
    if (!onPath) return null;
    // /usr/bin/php -> /etc/alternatives/php -> /usr/bin/php8.x: the sandbox has no /etc/alternatives.
    const binary = fs.realpathSync(onPath);
    const info = probe(binary, ['-r', 'echo PHP_VERSION, "\\n", php_ini_loaded_file() ?: "", "\\n", PHP_CONFIG_FILE_PATH;']);
    if (!info) return null;
    const [version, loadedIni, configPath] = info.split('\n');
    // The ini files and the conf.d links (Debian: /etc/php/<v>/cli/conf.d -> ../../mods-available) are needed for extensions.
    const iniDir = configPath || (loadedIni ? path.dirname(loadedIni) : '');
    const roBinds = [...prefixBinds(binary)];
    if (iniDir && fs.existsSync(iniDir)) {
      const parts = iniDir.split('/').filter(Boolean);
      roBinds.push(parts[0] === 'etc' && parts.length >= 2 ? `/etc/${parts[1]}` : iniDir);
    }
    return { language: 'php', binary, version: version ?? 'unknown', roBinds };
  },
  handlerArgv(interp, paths: RuntimePaths, opts) {
    return [interp.binary, ...flags(opts), path.join(paths.sdkDir, '_bootstrap.php')];
  },
  scriptArgv(interp, paths: RuntimePaths, opts) {
    return [interp.binary, ...flags(opts), '-d', `auto_prepend_file=${path.join(paths.sdkDir, '_prepend.php')}`,
      opts.spare ? path.join(paths.sdkDir, '_script.php') : paths.codeFile];
  },
  depsMount(depsDir) {
    return { src: depsDir, dest: '/opt/outrigger/deps' };
  },
  bareArgv(interp) {
    return [interp.binary, '-r', ''];
  },
  // PHP's egress relay (sdk/php) forks once and stays, a process of its own in the sandbox.
  extraIdleTasks: ({ egress }) => (egress ? 1 : 0),
  registry: {
    // COMPOSER_HOME is not passed: it is the build's own (a host path would not exist inside the sandbox).
    passThrough: /^COMPOSER_(AUTH|DISABLE_NETWORK|IPRESOLVE|MAX_PARALLEL_HTTP)$/,
    caSettings: /^(SSL_CERT_FILE|SSL_CERT_DIR|COMPOSER_CAFILE)$/,
    defaultHosts: ['repo.packagist.org', 'packagist.org', 'api.github.com', 'codeload.github.com', 'objects.githubusercontent.com'],
    custom: composerRepositories,
  },
  installer({ interp, registry }) {
    const composer = which('composer');
    if (!composer) throw new Error('composer is not installed on this server (PHP dependencies cannot be built; install the `composer` package)');
    const c = composerSetup(fs.realpathSync(composer), registry);
    return {
      argv: [interp.binary, '-d', 'display_errors=stderr', '/opt/outrigger/sdk/_build.php', ...c.argv],
      env: c.env,
      binds: c.binds,
      dataFiles: registry.installerConfig ? [{ dest: '/input/composer-config.json', data: registry.installerConfig }] : [],
      manifestInOutput: true,
    };
  },
  debugger: phpDebugger,
};
