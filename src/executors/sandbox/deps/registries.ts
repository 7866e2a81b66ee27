// Package registries per language: where installers may connect (the build's egress list) and which settings pass through.
import fs from 'node:fs';
import path from 'node:path';
import type { CodeLanguage } from '../contract.js';

export interface RegistryConfig {
  /** Environment variables handed to the installer (index URL, registry, repositories). */
  env: Record<string, string>;
  /** Host names the build may reach (none: the build has no network at all). */
  hosts: string[];
  /** Host directories bound read-only into the build (Composer `path` / `artifact` repositories). */
  binds: { src: string; dest: string }[];
  /** Composer's global config.json (placed in the build's COMPOSER_HOME): the administrator's repositories. */
  composerConfig?: string;
}

const PASS_THROUGH: Record<CodeLanguage, RegExp> = {
  python: /^PIP_(INDEX_URL|EXTRA_INDEX_URL|TRUSTED_HOST|DEFAULT_TIMEOUT|TIMEOUT|RETRIES|FIND_LINKS)$/,
  node: /^(npm_config_registry|NPM_CONFIG_REGISTRY|npm_config_@[^_]+:registry)$/,
  // COMPOSER_HOME is not passed: it is the build's own (a host path would not exist inside the sandbox).
  php: /^COMPOSER_(AUTH|DISABLE_NETWORK|IPRESOLVE|MAX_PARALLEL_HTTP)$/,
};

/**
 * Certificate settings pass through too: a registry mirror with its own certificate authority is common in
 * companies. The files they name are bound read-only into the build (unless already under /etc/ssl/certs).
 */
const CA_SETTINGS: Record<CodeLanguage, RegExp> = {
  python: /^(SSL_CERT_FILE|SSL_CERT_DIR|PIP_CERT|REQUESTS_CA_BUNDLE)$/,
  node: /^(SSL_CERT_FILE|SSL_CERT_DIR|NODE_EXTRA_CA_CERTS|npm_config_cafile|NPM_CONFIG_CAFILE)$/,
  php: /^(SSL_CERT_FILE|SSL_CERT_DIR|COMPOSER_CAFILE)$/,
};

function caSettings(language: CodeLanguage, source: NodeJS.ProcessEnv): { env: Record<string, string>; binds: { src: string; dest: string }[] } {
  const env: Record<string, string> = {};
  const binds: { src: string; dest: string }[] = [];
  for (const [k, v] of Object.entries(source)) {
    if (!v || !CA_SETTINGS[language].test(k) || !path.isAbsolute(v) || !fs.existsSync(v)) continue;
    env[k] = v;
    if (!v.startsWith('/etc/ssl/certs/') && v !== '/etc/ssl/certs') binds.push({ src: v, dest: v });
  }
  return { env, binds };
}

const DEFAULT_HOSTS: Record<CodeLanguage, string[]> = {
  python: ['pypi.org', 'files.pythonhosted.org'],
  node: ['registry.npmjs.org'],
  php: ['repo.packagist.org', 'packagist.org', 'api.github.com', 'codeload.github.com', 'objects.githubusercontent.com'],
};

/** Administrator's Composer repositories: a JSON array in Composer's `repositories` syntax. */
export const COMPOSER_REPOSITORIES_ENV = 'OUTRIGGER_COMPOSER_REPOSITORIES';

function hostOf(url: string): string | null {
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.hostname : null;
  } catch {
    return null;
  }
}

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
function composerRepositories(raw: string): Pick<RegistryConfig, 'hosts' | 'binds' | 'composerConfig'> {
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
      const h = hostOf(u);
      if (h) hosts.add(h);
    }
    out.push(r);
  }
  const config = { repositories: [...out, { 'packagist.org': false }] };
  return { hosts: [...hosts], binds, composerConfig: JSON.stringify(config) };
}

/** The installer configuration from the server's environment (pip, npm and Composer keep their usual variables). */
export function registryConfig(language: CodeLanguage, source: NodeJS.ProcessEnv = process.env): RegistryConfig {
  const ca = caSettings(language, source);
  const env: Record<string, string> = { ...ca.env };
  for (const [k, v] of Object.entries(source)) if (v !== undefined && PASS_THROUGH[language].test(k)) env[k] = v;
  if (language === 'php') {
    const raw = source[COMPOSER_REPOSITORIES_ENV]?.trim();
    if (raw) {
      const repos = composerRepositories(raw);
      return { env, ...repos, binds: [...repos.binds, ...ca.binds] };
    }
    return { env, hosts: DEFAULT_HOSTS.php, binds: ca.binds };
  }
  const urls = Object.entries(env)
    .filter(([k]) => /INDEX_URL|registry/i.test(k))
    .flatMap(([, v]) => v.split(/\s+/));
  const custom = urls.map(hostOf).filter((h): h is string => !!h);
  // With a custom index, only that index is reachable (an artifact repository usually proxies the files too).
  return { env, hosts: custom.length > 0 ? [...new Set(custom)] : DEFAULT_HOSTS[language], binds: ca.binds };
}
