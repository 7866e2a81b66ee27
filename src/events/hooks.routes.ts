// REST routes of event hooks: list/create/get/replace/delete, enable/disable (SPEC 3).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { requireNameMatchesPath } from '../errors.js';
import { HookInput, HookName, type HooksService } from './hooks.service.js';
import { HookView, List, NoContent } from '../api/schemas/responses.js';

const Params = Type.Object({ name: HookName });

export const hooksRoutes: FastifyPluginAsyncTypebox<{ hooks: HooksService }> = async (app, { hooks }) => {
  const tags = ['event hooks'];
  app.get('', { config: { permission: 'read' }, schema: { tags, summary: 'List event hooks', response: { 200: List(HookView) } } }, async (req) => ({ items: await hooks.list(req.principal.workspaceId) }));

  app.post('', { config: { permission: 'executors:write' }, schema: { tags, summary: 'Create an event hook', body: HookInput, response: { 201: HookView } } }, async (req, reply) => {
    const r = await hooks.put(req.principal.workspaceId, req.body, { mustNotExist: true });
    reply.code(201).header('location', `/api/event-hooks/${r.hook.name}`);
    return r.hook;
  });

  app.get('/:name', { config: { permission: 'read' }, schema: { tags, summary: 'Get an event hook', params: Params, response: { 200: HookView } } }, async (req) => hooks.get(req.principal.workspaceId, req.params.name));

  app.put('/:name', { config: { permission: 'executors:write' }, schema: { tags, summary: 'Create or replace an event hook', params: Params, body: HookInput, response: { 200: HookView, 201: HookView } } }, async (req, reply) => {
    requireNameMatchesPath(req.body.name, req.params.name);
    const r = await hooks.put(req.principal.workspaceId, req.body);
    reply.code(r.created ? 201 : 200);
    return r.hook;
  });

  app.delete('/:name', { config: { permission: 'executors:write' }, schema: { tags, summary: 'Delete an event hook (its unfinished deliveries are cancelled)', params: Params, response: { 204: NoContent } } }, async (req, reply) => {
    await hooks.delete(req.principal.workspaceId, req.params.name);
    reply.code(204).send();
  });

  app.post('/:name/enable', { config: { permission: 'hooks:operate' }, schema: { tags, summary: 'Enable an event hook', params: Params, response: { 200: HookView } } }, async (req) => hooks.setEnabled(req.principal.workspaceId, req.params.name, true));
  app.post('/:name/disable', { config: { permission: 'hooks:operate' }, schema: { tags, summary: 'Disable an event hook (no new deliveries; waiting ones are held)', params: Params, response: { 200: HookView } } }, async (req) => hooks.setEnabled(req.principal.workspaceId, req.params.name, false));
};
