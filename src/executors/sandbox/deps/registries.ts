// Package registries per language: where installers may connect (the build's egress list) and which settings pass through.
import type { CodeLanguage } from '../contract.js';

export interface RegistryConfig {
  /** Environment variables handed to the installer (index URL, registry, repositories). */
  env: Record<string, string>;
  /** Host names the build may reach. */
  hosts: string[];
}

const PASS_THROUGH: Record<CodeLanguage, RegExp> = {
  python: /^PIP_(INDEX_URL|EXTRA_INDEX_URL|TRUSTED_HOST|DEFAULT_TIMEOUT|TIMEOUT|RETRIES|FIND_LINKS)$/,
  node: /^(npm_config_registry|NPM_CONFIG_REGISTRY|npm_config_@[^_]+:registry)$/,
  php: /^COMPOSER_(HOME|AUTH|MIRROR_PATH_REPOS|DISABLE_NETWORK)$/,
};

const DEFAULT_HOSTS: Record<CodeLanguage, string[]> = {
  python: ['pypi.org', 'files.pythonhosted.org'],
  node: ['registry.npmjs.org'],
  php: ['repo.packagist.org', 'packagist.org', 'api.github.com', 'codeload.github.com', 'objects.githubusercontent.com'],
};

function hostOf(url: string): string | null {
  try {
    return new URL(url).hostname;
  } catch {
    return null;
  }
}

/** The installer configuration from the server's environment (pip, npm and Composer keep their usual variables). */
export function registryConfig(language: CodeLanguage, source: NodeJS.ProcessEnv = process.env): RegistryConfig {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(source)) if (v !== undefined && PASS_THROUGH[language].test(k)) env[k] = v;
  const urls = Object.entries(env)
    .filter(([k]) => /INDEX_URL|registry/i.test(k))
    .flatMap(([, v]) => v.split(/\s+/));
  const custom = urls.map(hostOf).filter((h): h is string => !!h);
  // With a custom index, only that index is reachable (an artifact repository usually proxies the files too).
  return { env, hosts: custom.length > 0 ? [...new Set(custom)] : DEFAULT_HOSTS[language] };
}
