// The quota settings of src/config.ts: defaults, units, and refusal of values that cannot work.
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parsePort } from '../../src/config.js';

const MB = 1024 * 1024;

describe('quota configuration', () => {
  it('has defaults', () => {
    const c = loadConfig({});
    expect(c.storageLimits).toEqual({ maxBytes: 100 * MB, maxKeys: 10_000, valueMaxBytes: MB, listMaxItems: 1000, listMaxBytes: 4 * MB });
    expect(c.depsLimits).toEqual({ concurrency: 2, concurrencyPerWorkspace: 1, maxBuildBytes: 1024 * MB });
    expect(c.sandboxLimits.reservedWorkers).toBeUndefined();
  });

  it('reads every variable in its unit', () => {
    const c = loadConfig({
      OUTRIGGER_STORAGE_MAX_MB: '5', OUTRIGGER_STORAGE_MAX_KEYS: '7', OUTRIGGER_STORAGE_VALUE_MAX_KB: '64',
      OUTRIGGER_STORAGE_LIST_MAX_ITEMS: '10', OUTRIGGER_STORAGE_LIST_MAX_MB: '1',
      OUTRIGGER_DEPS_CONCURRENCY: '4', OUTRIGGER_DEPS_CONCURRENCY_PER_WORKSPACE: '2', OUTRIGGER_DEPS_MAX_MB: '300',
      OUTRIGGER_SANDBOX_RESERVED_WORKERS: '0',
    });
    expect(c.storageLimits).toEqual({ maxBytes: 5 * MB, maxKeys: 7, valueMaxBytes: 64 * 1024, listMaxItems: 10, listMaxBytes: MB });
    expect(c.depsLimits).toEqual({ concurrency: 4, concurrencyPerWorkspace: 2, maxBuildBytes: 300 * MB });
    expect(c.sandboxLimits.reservedWorkers).toBe(0);
  });

  it('refuses values that cannot work', () => {
    expect(() => loadConfig({ OUTRIGGER_STORAGE_MAX_KEYS: '0' })).toThrow(/OUTRIGGER_STORAGE_MAX_KEYS/);
    expect(() => loadConfig({ OUTRIGGER_DEPS_CONCURRENCY: 'lots' })).toThrow(ConfigError);
    // A list page must be able to carry the largest value, or paging could never move past it.
    expect(() => loadConfig({ OUTRIGGER_STORAGE_VALUE_MAX_KB: '4096', OUTRIGGER_STORAGE_LIST_MAX_MB: '2' })).toThrow(/one value must fit/);
  });

  it('takes a port of 0..65535 in decimal digits and names the setting of any other', () => {
    expect(loadConfig({}).port).toBe(8080);
    expect(loadConfig({ PORT: '0' }).port).toBe(0);
    expect(loadConfig({ PORT: '65535' }).port).toBe(65535);
    expect(parsePort(' 8081 ', '--port')).toBe(8081);
    for (const bad of ['65536', '-1', '80.5', '0x50', '1e3', 'http', '']) {
      expect(() => parsePort(bad, '--port')).toThrow(new ConfigError(`--port must be an integer from 0 to 65535 (0 picks a free port), got "${bad}"`));
    }
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/^PORT must be an integer from 0 to 65535/);
    expect(() => loadConfig({}, { port: Number.NaN })).toThrow(ConfigError);
    expect(() => loadConfig({}, { port: 70_000 })).toThrow(/port must be an integer from 0 to 65535/);
  });
});
