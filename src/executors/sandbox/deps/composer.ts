// Composer invocation of a PHP dependency build: command line, environment and read-only binds inside the build sandbox.
import fs from 'node:fs';
import type { RegistryConfig } from './registries.js';

export interface ComposerSetup {
  /** Arguments after the PHP launcher (_build.php): the composer script and its options. */
  argv: string[];
  env: Record<string, string>;
  binds: { src: string; dest: string }[];
}

/**
 * `composer install` into /build (where composer.json was written). --no-scripts and --no-plugins: a package's
 * install hooks and Composer plugins are arbitrary PHP run at install time; the build sandbox contains them, but
 * the tree is meant to be data for the handler, and hooks would also get the build's network (the repositories)
 * and could alter what lands in the shared cache for every executor with the same composer.json.
 */
export function composerSetup(composerPath: string, reg: RegistryConfig): ComposerSetup {
  // Debian's /usr/bin/composer needs /usr/share/php, which every sandbox has (/usr is bound); a composer.phar
  // elsewhere (e.g. /opt) is self-contained and bound as a single read-only file.
  const inUsr = composerPath.startsWith('/usr/');
  const script = inUsr ? composerPath : '/opt/outrigger/composer.phar';
  const binds = inUsr ? [] : [{ src: composerPath, dest: script }];
  // Administrator's path / artifact repositories: read-only; a missing one fails the build in Composer's words.
  for (const b of reg.binds) if (fs.existsSync(b.src)) binds.push(b);
  return {
    argv: [script, 'install', '--no-dev', '--no-interaction', '--no-progress', '--no-scripts', '--no-plugins', '--no-cache', '--no-ansi', '--working-dir=/build'],
    env: {
      // Sandbox-local home and cache (tmpfs, gone with the build): no state is shared between builds.
      COMPOSER_HOME: '/tmp/composer',
      COMPOSER_CACHE_DIR: '/tmp/composer/cache',
      // Path repositories are copied into vendor/, never symlinked: the host path does not exist when handlers run.
      COMPOSER_MIRROR_PATH_REPOS: '1',
      // The root package (the executor) has no VCS; without this Composer probes git for its version.
      COMPOSER_ROOT_VERSION: '1.0.0',
      // Below the build's memory cgroup (Composer would otherwise raise memory_limit to 1.5 GB).
      COMPOSER_MEMORY_LIMIT: '768M',
      COMPOSER_NO_INTERACTION: '1',
      // No terminal: Symfony Console would wrap error messages at 80 columns, which splits them in the build log.
      COLUMNS: '400',
    },
    binds,
  };
}
