// The product version, read once from package.json (sent as User-Agent and shown in /healthz).
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
function findVersion(): string {
  for (const p of ['../package.json', '../../package.json']) {
    try {
      const pkg = require(p) as { name?: string; version?: string };
      if (pkg.name === 'outrigger' && pkg.version) return pkg.version;
    } catch {
      // try the next location (src/ under tsx, dist/ when built)
    }
  }
  return '0.0.0';
}
export const VERSION = findVersion();
