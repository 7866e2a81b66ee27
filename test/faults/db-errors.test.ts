// Which errors mean "the database is away" (503, back off) and which are ordinary query errors (unchanged), and how
// the store's health goes down, probes, and tells its listeners when the database returns.
import { describe, expect, it } from 'vitest';
import { asDatabaseError, DatabaseUnavailableError, isDatabaseUnavailable } from '../../src/store/db-errors.js';
import { DbHealth } from '../../src/store/db-health.js';
import { databaseProblem } from '../../src/api/problem-handler.js';
import { ProblemError } from '../../src/errors.js';
import { waitFor } from '../helpers/wait.js';

const withCode = (code: string, message = 'x') => Object.assign(new Error(message), { code });

describe('database error classification', () => {
  it.each([
    ['connection refused', withCode('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432')],
    ['connection reset', withCode('ECONNRESET')],
    ['driver: terminated', new Error('Connection terminated unexpectedly')],
    ['pool: connect timeout', new Error('timeout exceeded when trying to connect')],
    ['server shutting down (57P01)', withCode('57P01', 'terminating connection due to administrator command')],
    ['server starting up (57P03)', withCode('57P03', 'the database system is starting up')],
    ['too many connections (53300)', withCode('53300')],
    ['connection exception class 08', withCode('08006')],
    ['our statement timeout (57014)', withCode('57014', 'canceling statement due to statement timeout')],
    ['both addresses of localhost refused', Object.assign(new AggregateError([withCode('ECONNREFUSED'), withCode('ECONNREFUSED')]), { code: 'ECONNREFUSED' })],
    ['wrapped as a cause', new Error('query failed', { cause: withCode('ECONNREFUSED') })],
  ])('%s is unavailable', (_name, err) => {
    expect(isDatabaseUnavailable(err)).toBe(true);
    const converted = asDatabaseError(err);
    expect(converted).toBeInstanceOf(DatabaseUnavailableError);
    expect((converted as Error).cause).toBe(err);
  });

  it.each([
    ['unique violation', withCode('23505', 'duplicate key value violates unique constraint')],
    ['syntax error', withCode('42601')],
    ['user cancel (57014 without statement timeout)', withCode('57014', 'canceling statement due to user request')],
    ['undefined table', withCode('42P01')],
    ['a plain bug', new TypeError('cannot read properties of undefined')],
    ['not an error', 'ECONNREFUSED'],
  ])('%s is an ordinary error, left as it is', (_name, err) => {
    expect(isDatabaseUnavailable(err)).toBe(false);
    expect(asDatabaseError(err)).toBe(err);
  });

  it('maps to a 503 DATABASE_UNAVAILABLE problem, also when a service wrapped it as INTERNAL, but leaves 4xx alone', () => {
    expect(databaseProblem(withCode('ECONNREFUSED'))?.status).toBe(503);
    const wrapped = new ProblemError('INTERNAL', 'failed', { cause: new Error('Connection terminated unexpectedly') });
    expect(databaseProblem(wrapped)?.code).toBe('DATABASE_UNAVAILABLE');
    expect(databaseProblem(new ProblemError('NOT_FOUND', 'no', { cause: withCode('ECONNREFUSED') }))).toBeUndefined();
    expect(databaseProblem(withCode('23505'))).toBeUndefined();
  });
});

describe('DbHealth', () => {
  it('goes down once, probes until the database answers, then wakes its listeners', async () => {
    const logs: string[] = [];
    const health = new DbHealth({ probeIntervalMs: 10, log: { warn: (_o, m) => logs.push(`warn ${m}`), info: (_o, m) => logs.push(`info ${m}`) } });
    let probes = 0;
    health.setProbe(async () => {
      probes++;
      if (probes < 3) throw withCode('ECONNREFUSED');
      health.markUp();
    });
    let recovered = 0;
    health.onRecovered(() => recovered++);
    health.markDown(withCode('ECONNREFUSED', 'connect ECONNREFUSED'));
    health.markDown(withCode('ECONNREFUSED', 'connect ECONNREFUSED'));
    expect(health.up).toBe(false);
    expect(health.status()).toMatchObject({ state: 'down', outages: 1, lastError: 'connect ECONNREFUSED' });
    await waitFor(() => health.up, 'the probe to see the database back', 5_000, 5);
    expect(probes).toBe(3);
    expect(recovered).toBe(1);
    expect(health.status().downSince).toBeNull();
    expect(logs.filter((l) => l.startsWith('warn'))).toHaveLength(1);
    health.close();
  });
});
