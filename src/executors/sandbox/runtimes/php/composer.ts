// Composer in a PHP dependency build: command line, environment, read-only binds, and the administrator's repositories.
import fs from 'node:fs';
import path from 'node:path';
import { urlHost, type RegistryConfig } from '../runtime.js';

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

/** Administrator's Composer repositories: a JSON array in Composer's `repositories` syntax. */
export const COMPOSER_REPOSITORIES_ENV = 'OUTRIGGER_COMPOSER_REPOSITORIES';

/** Every `url` string anywhere in a repository entry (`composer`/`vcs` url, `package` dist/source urls). */
function urlsIn(v: unknown): string[] {
  if (Array.isArray(v)) return v.flatMap(urlsIn);
  if (!v || typeof v !== 'object') return [];
  return Object.entries(v).flatMap(([k, x]) => (k === 'url' && typeof x === 'string' ? [x] : urlsIn(x)));
}

/** Where the administrator's local repositories appear inside the build sandbox (its /tmp is a private tmpfs). */
const REPOS_IN_SANDBOX = '/opt/outrigger/composer-repos';

/** Splits a `path` url into the directory to bind and the rest (`/srv/php/*` -> `/srv/php` + `/*`). */
function splitLocal(url: string): { dir: string; rest: string } {
  const glob = url.search(/[*?[{]/);
  const dir = path.resolve(glob < 0 ? url : path.dirname(url.slice(0, glob + 1)));
  return { dir, rest: glob < 0 ? '' : url.slice(dir.length) };
}

/**
 * Parses OUTRIGGER_COMPOSER_REPOSITORIES. With it set, packagist.org is switched off (as PIP_INDEX_URL replaces PyPI):
 * the builds reach only the hosts of these repositories, and `path` / `artifact` directories are bound read-only
 * under /opt/outrigger/composer-repos/<n> (the urls in Composer's config are rewritten to match).
 */
function parseRepositories(raw: string): Pick<RegistryConfig, 'hosts' | 'binds' | 'installerConfig'> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (e) {
    throw new Error(`${COMPOSER_REPOSITORIES_ENV} is not JSON: ${(e as Error).message}`);
  }
  const repos = (Array.isArray(parsed) ? parsed : [parsed]) as unknown[];
  const hosts = new Set<string>();
  const binds: { src: string; dest: string }[] = [];
  const out: unknown[] = [];
  for (const r of repos) {
    if (!r || typeof r !== 'object') throw new Error(`${COMPOSER_REPOSITORIES_ENV}: every entry must be an object like {"type": "composer", "url": "https://…"}`);
    const { type, url } = r as { type?: unknown; url?: unknown };
    if (type === 'path' || type === 'artifact') {
      if (typeof url !== 'string' || !path.isAbsolute(url)) throw new Error(`${COMPOSER_REPOSITORIES_ENV}: a ${String(type)} repository needs an absolute "url" path`);
      const { dir, rest } = splitLocal(url);
      let bind = binds.find((b) => b.src === dir);
      if (!bind) binds.push((bind = { src: dir, dest: `${REPOS_IN_SANDBOX}/${binds.length}` }));
      out.push({ ...r, url: bind.dest + rest });
      continue;
    }
    for (const u of urlsIn(r)) {
      const h = urlHost(u);
      if (h) hosts.add(h);
    }
    out.push(r);
  }
  const config = { repositories: [...out, { 'packagist.org': false }] };
  return { hosts: [...hosts], binds, installerConfig: JSON.stringify(config) };
}

/** The registry rule of PHP builds: OUTRIGGER_COMPOSER_REPOSITORIES when set, else null (packagist.org). */
export function composerRepositories(source: NodeJS.ProcessEnv): Pick<RegistryConfig, 'hosts' | 'binds' | 'installerConfig'> | null {
  const raw = source[COMPOSER_REPOSITORIES_ENV]?.trim();
  return raw ? parseRepositories(raw) : null;
}
