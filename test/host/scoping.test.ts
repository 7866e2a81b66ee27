// Roles and workspaces around the host model and the binding points: who may do what, and nothing crosses workspaces.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { createToken } from '../../src/auth/tokens.js';
import { createWorkspace } from '../../src/workspaces/workspaces.service.js';

describe('host model scoping', () => {
  let s: TestServer;
  let viewer: string;
  let invoker: string;
  let otherAdmin: string;
  beforeAll(async () => {
    s = await startTestServer('sqlite');
    const db = s.o.store.db;
    viewer = (await createToken(db, s.o.defaultWorkspaceId, 'viewer', 'viewer')).token;
    invoker = (await createToken(db, s.o.defaultWorkspaceId, 'machine', 'invoker')).token;
    const other = await createWorkspace(db, 'other', 'UTC');
    otherAdmin = (await createToken(db, other.id, 'other-admin', 'admin')).token;
  });
  afterAll(async () => { await s.close(); });

  it('a viewer reads but does not change; an invoker calls webhooks but does not read them', async () => {
    const t = await s.api('POST', '/api/tickets', { subject: 'x', channel: 'web' });
    expect((await s.api('GET', `/api/tickets/${t.body.id}`, undefined, viewer)).status).toBe(200);
    expect((await s.api('POST', '/api/tickets', { subject: 'x', channel: 'web' }, viewer)).status).toBe(403);
    expect((await s.api('PATCH', `/api/tickets/${t.body.id}`, { status: 'closed' }, viewer)).status).toBe(403);
    expect((await s.api('PUT', '/api/settings/tickets', {}, viewer)).status).toBe(403);
    expect((await s.api('GET', '/api/webhooks', undefined, invoker)).status).toBe(403);
    expect((await s.api('POST', '/api/webhooks/none/call', { input: {} }, invoker)).status).toBe(404);
  });

  it('another workspace sees none of it', async () => {
    const t = await s.api('POST', '/api/tickets', { subject: 'secret', channel: 'web' });
    expect((await s.api('GET', `/api/tickets/${t.body.id}`, undefined, otherAdmin)).status).toBe(404);
    expect((await s.api('PATCH', `/api/tickets/${t.body.id}`, { status: 'closed' }, otherAdmin)).status).toBe(404);
    expect((await s.api('POST', `/api/tickets/${t.body.id}/replies`, { body: 'x' }, otherAdmin)).status).toBe(404);
    expect((await s.api('GET', '/api/tickets', undefined, otherAdmin)).body.items).toEqual([]);
    expect((await s.api('GET', `/api/tickets/${t.body.id}`)).body.status).toBe('open');
  });
});
