// Fleet configuration: every setting by environment and by `serve` flag, validated at start with a message that
// names the flag or variable at fault (a typo must not start a node with surprising timing).
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { serveConfig } from '../../src/cli/commands/serve.js';

describe('fleet configuration', () => {
  it('reads lease, heartbeat, reap interval, in-flight caps, pool size and statement timeout from the environment', () => {
    const c = loadConfig({
      OUTRIGGER_LEASE_MS: '9000', OUTRIGGER_HEARTBEAT_MS: '1000', OUTRIGGER_REAP_INTERVAL_MS: '500', OUTRIGGER_MAX_IN_FLIGHT: '20',
      OUTRIGGER_WORKSPACE_MAX_IN_FLIGHT: '5', OUTRIGGER_PG_POOL_SIZE: '4', OUTRIGGER_PG_STATEMENT_TIMEOUT_MS: '30000',
      OUTRIGGER_AFFINITY_STEAL_MS: '60',
    });
    expect(c.fleet).toEqual({ leaseMs: 9_000, heartbeatMs: 1_000, reapIntervalMs: 500, affinityStealMs: 60 });
    expect([c.maxInFlight, c.maxInFlightPerWorkspace, c.pgPoolSize, c.pgStatementTimeoutMs]).toEqual([20, 5, 4, 30_000]);
  });

  it('defaults: a workspace gets half of a worker\'s in-flight cap', () => {
    const c = loadConfig({});
    expect([c.maxInFlight, c.maxInFlightPerWorkspace]).toEqual([64, 32]);
    expect(loadConfig({ OUTRIGGER_MAX_IN_FLIGHT: '1' }).maxInFlightPerWorkspace).toBe(1);
  });

  it('rejects inconsistent or malformed values, naming them', () => {
    expect(() => loadConfig({ OUTRIGGER_MAX_IN_FLIGHT: '8', OUTRIGGER_WORKSPACE_MAX_IN_FLIGHT: '9' })).toThrow(/OUTRIGGER_WORKSPACE_MAX_IN_FLIGHT \(9\) must not exceed OUTRIGGER_MAX_IN_FLIGHT \(8\)/);
    expect(() => loadConfig({ OUTRIGGER_LEASE_MS: '5000', OUTRIGGER_HEARTBEAT_MS: '1000', OUTRIGGER_REAP_INTERVAL_MS: '6000' })).toThrow(/OUTRIGGER_REAP_INTERVAL_MS \(6000\) must not exceed OUTRIGGER_LEASE_MS/);
    expect(() => loadConfig({ OUTRIGGER_MAX_IN_FLIGHT: '0' })).toThrow(ConfigError);
    expect(() => loadConfig({ OUTRIGGER_PG_POOL_SIZE: 'ten' })).toThrow(/OUTRIGGER_PG_POOL_SIZE must be an integer between 1 and 1000, got "ten"/);
  });

  it('serve flags set the same settings over the environment, and an invalid flag is named as the flag', () => {
    const c = serveConfig({ leaseMs: '12000', heartbeatMs: '500', reapIntervalMs: '250', maxInFlight: '10', workspaceMaxInFlight: '3', pgPoolSize: '7', pgStatementTimeoutMs: '1000', sandboxMaxWorkers: '6', affinityStealMs: '10' },
      { OUTRIGGER_LEASE_MS: '99000', OUTRIGGER_MAX_IN_FLIGHT: '99' });
    expect(c.fleet).toEqual({ leaseMs: 12_000, heartbeatMs: 500, reapIntervalMs: 250, affinityStealMs: 10 });
    expect([c.maxInFlight, c.maxInFlightPerWorkspace, c.pgPoolSize, c.pgStatementTimeoutMs, c.sandboxLimits.maxWorkers]).toEqual([10, 3, 7, 1000, 6]);
    // The environment stays in force where no flag is given.
    expect(serveConfig({}, { OUTRIGGER_MAX_IN_FLIGHT: '12' }).maxInFlight).toBe(12);
    expect(() => serveConfig({ leaseMs: 'soon' }, {})).toThrow(/^--lease-ms \(OUTRIGGER_LEASE_MS\) must be an integer between 1000 and 3600000, got "soon"$/);
    expect(() => serveConfig({ heartbeatMs: '6000' }, {})).toThrow(/--heartbeat-ms \(OUTRIGGER_HEARTBEAT_MS\) \(6000\) times 3 must not exceed OUTRIGGER_LEASE_MS/);
  });
});
