// REST routes of the aggregated figures: per-executor health and the dashboard.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { StatsService } from './stats.service.js';
import { List, Obj } from '../api/schemas/responses.js';

const Num = Type.Number();
const NullableNum = Type.Union([Type.Number(), Type.Null()]);
const WindowFigures = {
  executor: Type.String(), invocations: Type.Integer(), errors: Type.Integer(),
  errorRate: Type.Number({ description: 'errors / invocations, 0 without invocations' }),
  p50Ms: NullableNum, p95Ms: NullableNum,
};
const ExecutorStatsView = Obj({ ...WindowFigures, lastStatus: Type.Union([Type.String(), Type.Null()]), lastRunAt: Type.Union([Type.String(), Type.Null()]) });
const DashboardView = Obj({
  generatedAt: Type.String(),
  perMinute: Type.Array(Obj({ minute: Type.String(), invocations: Num, errors: Num }), { description: 'the last hour, minutes without invocations left out' }),
  perHour: Type.Array(Obj({ hour: Type.String(), invocations: Num, errors: Num }), { description: 'the last day, hours without invocations left out' }),
  lastHour: Type.Array(Obj(WindowFigures)),
  lastDay: Type.Array(Obj(WindowFigures)),
  queue: Obj({ queued: Num, running: Num }),
  deadLetters: Num,
  deadLettersByHook: Type.Array(Obj({ hook: Type.String(), count: Num }), { description: 'dead letters per hook, most first' }),
});

export const statsRoutes: FastifyPluginAsyncTypebox<{ stats: StatsService }> = async (app, { stats }) => {
  const tags = ['stats'];
  app.get('/executors', {
    config: { permission: 'read' },
    schema: {
      tags, summary: 'Per executor: invocations, error rate, p50/p95 duration in a window, and the last run (every executor listed)',
      querystring: Type.Object({ windowMinutes: Type.Optional(Type.Integer({ minimum: 1, maximum: 7 * 24 * 60, default: 60 })) }, { additionalProperties: false }),
      response: { 200: List(ExecutorStatsView) },
    },
  }, async (req) => ({ items: await stats.executors(req.principal.workspaceId, req.query.windowMinutes ?? 60) }));

  app.get('/dashboard', {
    config: { permission: 'read' },
    schema: { tags, summary: 'Invocations per minute (last hour) and per hour (last day), per-executor error rate and p50/p95 (last hour and day), delivery queue, dead letters', response: { 200: DashboardView } },
  }, async (req) => stats.dashboard(req.principal.workspaceId));
};
