// Generic REST routes of a binding kind: list, create, get, replace (PUT creates or replaces), delete (SPEC 3).
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type, type TObject, type TSchema, type TString } from '@sinclair/typebox';
import { requireNameMatchesPath } from '../../errors.js';
import type { BindingStore, Stored } from './binding-store.js';
import { List, NoContent } from '../../api/schemas/responses.js';

export interface BindingRoutesOptions<T extends { name: string; executor?: string }> {
  /** Mounted here, e.g. `/api/agents`. */
  prefix: string;
  tag: string;
  store: BindingStore<T>;
  /** The request body (with `additionalProperties: false`). */
  body: TObject;
  nameSchema: TString;
  /** The API object of one binding (documentation of the answers). */
  view: TSchema;
  /** The kind registers its own list route (e.g. with export formats). */
  skipList?: boolean;
  /** Checks what the schema cannot (executor exists, rules compile) and applies defaults. */
  prepare(workspaceId: string, body: any): Promise<T>;
}

/** The API object of a binding: its spec plus timestamps. */
export function bindingView<T>(s: Stored<T>): T & { createdAt: string; updatedAt: string } {
  return { ...s.spec, createdAt: s.createdAt, updatedAt: s.updatedAt };
}

/** Registers the five CRUD routes of one binding kind. */
export async function registerBindingRoutes<T extends { name: string; executor?: string }>(root: FastifyInstance, o: BindingRoutesOptions<T>): Promise<void> {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  const tags = [o.tag];
  const params = Type.Object({ name: o.nameSchema });
  const label = o.store.label;

  if (!o.skipList) app.get(o.prefix, { config: { permission: 'read' }, schema: { tags, summary: `List ${label}s`, response: { 200: List(o.view) } } }, async (req) => ({
    items: (await o.store.list(req.principal.workspaceId)).map(bindingView),
  }));

  app.post(o.prefix, { config: { permission: 'executors:write' }, schema: { tags, summary: `Create a ${label}`, body: o.body, response: { 201: o.view } } }, async (req, reply) => {
    const spec = await o.prepare(req.principal.workspaceId, req.body);
    const stored = await o.store.create(req.principal.workspaceId, spec);
    reply.code(201).header('location', `${o.prefix}/${spec.name}`);
    return bindingView(stored);
  });

  app.get(`${o.prefix}/:name`, { config: { permission: 'read' }, schema: { tags, summary: `Get a ${label}`, params, response: { 200: o.view } } }, async (req) =>
    bindingView(await o.store.get(req.principal.workspaceId, (req.params as { name: string }).name)));

  app.put(`${o.prefix}/:name`, { config: { permission: 'executors:write' }, schema: { tags, summary: `Create or replace a ${label}`, params, body: o.body, response: { 200: o.view, 201: o.view } } }, async (req, reply) => {
    const name = (req.params as { name: string }).name;
    const body = req.body as { name: string };
    requireNameMatchesPath(body.name, name);
    const spec = await o.prepare(req.principal.workspaceId, body);
    const r = await o.store.replace(req.principal.workspaceId, spec);
    reply.code(r.created ? 201 : 200);
    return bindingView(r.stored);
  });

  app.delete(`${o.prefix}/:name`, { config: { permission: 'executors:write' }, schema: { tags, summary: `Delete a ${label}`, params, response: { 204: NoContent } } }, async (req, reply) => {
    await o.store.delete(req.principal.workspaceId, (req.params as { name: string }).name);
    reply.code(204).send();
  });
}
