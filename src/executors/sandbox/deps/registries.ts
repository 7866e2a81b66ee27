// Package registries: where a language's installer may connect (the build's egress list) and which of the server's
// settings pass through; the per-language rules are the runtime's (runtimes/<language>/).
import fs from 'node:fs';
import path from 'node:path';
import type { CodeLanguage } from '../contract.js';
import { RUNTIMES } from '../runtimes/index.js';
import { urlHost, type RegistryConfig, type RegistryRules } from '../runtimes/runtime.js';


/**
 * Certificate settings pass through too: a registry mirror with its own certificate authority is common in
 * companies. The files they name are bound read-only into the build (unless already under /etc/ssl/certs).
 */
function caSettings(rules: RegistryRules, source: NodeJS.ProcessEnv): { env: Record<string, string>; binds: { src: string; dest: string }[] } {
  const env: Record<string, string> = {};
  const binds: { src: string; dest: string }[] = [];
  for (const [k, v] of Object.entries(source)) {
    if (!v || !rules.caSettings.test(k) || !path.isAbsolute(v) || !fs.existsSync(v)) continue;
    env[k] = v;
    if (!v.startsWith('/etc/ssl/certs/') && v !== '/etc/ssl/certs') binds.push({ src: v, dest: v });
  }
  return { env, binds };
}

/** The installer configuration from the server's environment (pip, npm and Composer keep their usual variables). */
export function registryConfig(language: CodeLanguage, source: NodeJS.ProcessEnv = process.env): RegistryConfig {
  const rules = RUNTIMES[language].registry;
  const ca = caSettings(rules, source);
  const env: Record<string, string> = { ...ca.env };
  for (const [k, v] of Object.entries(source)) if (v !== undefined && rules.passThrough.test(k)) env[k] = v;
  const custom = rules.custom?.(source);
  if (custom) return { env, ...custom, binds: [...custom.binds, ...ca.binds] };
  const urls = Object.entries(env)
    .filter(([k]) => rules.indexVariables?.test(k))
    .flatMap(([, v]) => v.split(/\s+/));
  const hosts = urls.map(urlHost).filter((h): h is string => !!h);
  // With a custom index, only that index is reachable (an artifact repository usually proxies the files too).
  return { env, hosts: hosts.length > 0 ? [...new Set(hosts)] : rules.defaultHosts, binds: ca.binds };
}
