// REST routes shared by the simple binding points (webhooks, UDFs): list/create/get/replace/delete and `call`.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { requireNameMatchesPath } from '../../errors.js';
import { ExecutorReference, ResourceName } from '../../names.js';
import { InvocationInput, NameParams } from '../../api/common-schemas.js';
import type { BindingsService } from './callable-bindings.service.js';
import { sendInvocationProblem } from '../../api/invocation-problem.js';
import { BindingCallResult, BindingView, List, NoContent, problems } from '../../api/schemas/responses.js';

// No NUL: PostgreSQL text cannot store it (a 400 here instead of a 500 from the database).
const Description = Type.String({ maxLength: 4000, pattern: '^[^\\u0000]*$' });
/** The body of a webhook or UDF (also what `outrigger push` checks a bindings file entry against). */
export const CallableBindingBody = Type.Object({ name: ResourceName, executor: ExecutorReference, description: Type.Optional(Description) }, { additionalProperties: false });

/** Routes for one binding point; `tag` names it in the OpenAPI document. */
export const bindingRoutes: FastifyPluginAsyncTypebox<{ service: BindingsService; tag: string }> = async (app, { service, tag }) => {
  const tags = [tag];
  const kind = service.spec.kind;

  app.get('', { config: { permission: 'read' }, schema: { tags, summary: `List ${kind}s`, response: { 200: List(BindingView) } } }, async (req) => ({ items: await service.list(req.principal.workspaceId) }));

  app.post('', {
    config: { permission: 'executors:write' },
    schema: { tags, summary: `Create a ${kind}`, body: CallableBindingBody, response: { 201: BindingView } },
  }, async (req, reply) => {
    const b = await service.create(req.principal.workspaceId, req.body);
    reply.code(201).header('location', `${req.url.replace(/\/$/, '')}/${b.name}`);
    return b;
  });

  app.get('/:name', { config: { permission: 'read' }, schema: { tags, summary: `Get a ${kind}`, params: NameParams, response: { 200: BindingView } } },
    async (req) => service.get(req.principal.workspaceId, req.params.name));

  app.put('/:name', {
    config: { permission: 'executors:write' },
    schema: {
      tags, summary: `Create or replace a ${kind}`, params: NameParams,
      body: Type.Object({ name: Type.Optional(ResourceName), executor: ExecutorReference, description: Type.Optional(Description) }, { additionalProperties: false }),
      response: { 200: BindingView, 201: BindingView },
    },
  }, async (req, reply) => {
    // The name may be left out of the body here; given, it must be the path's.
    if (req.body.name !== undefined) requireNameMatchesPath(req.body.name, req.params.name);
    const r = await service.replace(req.principal.workspaceId, { ...req.body, name: req.params.name });
    reply.code(r.created ? 201 : 200);
    return r.binding;
  });

  app.delete('/:name', { config: { permission: 'executors:write' }, schema: { tags, summary: `Delete a ${kind}`, params: NameParams, response: { 204: NoContent } } }, async (req, reply) => {
    await service.delete(req.principal.workspaceId, req.params.name);
    reply.code(204).send();
  });

  app.post('/:name/call', {
    config: { permission: 'invoke' },
    schema: {
      tags, summary: `Call a ${kind} and wait: 200 {executionId, output}, or the executor's error as problem+json with its code (504 on time-out)`,
      params: NameParams, body: Type.Object({ input: Type.Optional(InvocationInput) }, { additionalProperties: false }),
      response: { 200: BindingCallResult, ...problems(502, 503, 504) },
    },
  }, async (req, reply) => {
    const r = await service.call(req.principal.workspaceId, req.params.name, req.body.input ?? {});
    if (r.status === 'error') return sendInvocationProblem(req, reply, r, { [kind]: req.params.name });
    return { executionId: r.executionId, output: r.output ?? null, durationMs: r.durationMs, executor: r.executor };
  });
};
