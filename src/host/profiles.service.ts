// Customer profiles of the built-in host model (CRUD); each change writes ProfileCreated/Updated/Deleted with it.
import { Type, type Static } from '@sinclair/typebox';
import type { Db } from '../store/index.js';
import type { ProfilesTable } from './host.table.js';
import { ProblemError } from '../errors.js';
import { newId } from '../ids.js';
import { Text } from './text.js';
import { emitHostEvent, type Actor, type Clock } from './host-events.js';
import { iso } from '../util/time.js';
import { nextCursor, pageLimit, SeqPaging } from '../util/paging.js';

const Nullable = <T extends ReturnType<typeof Text>>(t: T) => Type.Union([t, Type.Null()]);
export const Address = Type.Object({
  street: Type.Optional(Type.String({ maxLength: 200 })),
  zip: Type.Optional(Type.String({ maxLength: 20 })),
  city: Type.Optional(Type.String({ maxLength: 100 })),
  country: Type.Optional(Type.String({ maxLength: 100 })),
}, { additionalProperties: false });

export const ProfileCreateBody = Type.Object({
  customerNumber: Text(100),
  name: Text(300),
  email: Type.Optional(Nullable(Text(320))),
  phone: Type.Optional(Nullable(Text(50))),
  address: Type.Optional(Type.Union([Address, Type.Null()])),
  attributes: Type.Optional(Type.Record(Type.String({ maxLength: 100 }), Type.Unknown(), { description: 'free fields (meter numbers, tariffs, …)' })),
}, { additionalProperties: false });
export type ProfileCreateBody = Static<typeof ProfileCreateBody>;

export const ProfilePatchBody = Type.Object({
  name: Type.Optional(Text(300)),
  email: Type.Optional(Nullable(Text(320))),
  phone: Type.Optional(Nullable(Text(50))),
  address: Type.Optional(Type.Union([Address, Type.Null()])),
  attributes: Type.Optional(Type.Record(Type.String({ maxLength: 100 }), Type.Unknown())),
}, { additionalProperties: false, minProperties: 1 });
export type ProfilePatchBody = Static<typeof ProfilePatchBody>;

export const ProfileListQuery = Type.Object({
  customerNumber: Type.Optional(Text(100)),
  email: Type.Optional(Text(320)),
  ...SeqPaging,
}, { additionalProperties: false });

export interface Profile {
  id: string;
  customerNumber: string;
  name: string;
  email: string | null;
  phone: string | null;
  address: Static<typeof Address> | null;
  attributes: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
}

function toProfile(r: Omit<ProfilesTable, 'seq'>): Profile {
  return {
    id: r.id, customerNumber: r.customer_number, name: r.name, email: r.email, phone: r.phone,
    address: r.address ? JSON.parse(r.address) as Profile['address'] : null, attributes: JSON.parse(r.attributes) as Record<string, unknown>,
    createdAt: iso(r.created_at), updatedAt: iso(r.updated_at),
  };
}

export class ProfilesService {
  constructor(private readonly db: Db, private readonly clock: Clock) {}

  private find(workspaceId: string, id: string) {
    return this.db.selectFrom('profiles').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst();
  }

  async create(workspaceId: string, body: ProfileCreateBody, actor: Actor): Promise<Profile> {
    const now = this.clock();
    const row = {
      id: newId('prf'), workspace_id: workspaceId, customer_number: body.customerNumber, name: body.name, email: body.email ?? null, phone: body.phone ?? null,
      address: body.address ? JSON.stringify(body.address) : null, attributes: JSON.stringify(body.attributes ?? {}), created_at: now, updated_at: now,
    };
    const profile = toProfile(row);
    await this.db.transaction().execute(async (trx) => {
      const taken = await trx.selectFrom('profiles').select('id').where('workspace_id', '=', workspaceId).where('customer_number', '=', body.customerNumber).executeTakeFirst();
      if (taken) throw new ProblemError('CONFLICT', `a profile for customer ${body.customerNumber} already exists (${taken.id})`, { extra: { profileId: taken.id } });
      await trx.insertInto('profiles').values(row).execute();
      await emitHostEvent(trx, workspaceId, 'ProfileCreated', row.id, { profileId: row.id, customerNumber: row.customer_number, userId: actor.userId, profile }, actor, now);
    });
    return profile;
  }

  async list(workspaceId: string, q: Static<typeof ProfileListQuery>): Promise<{ items: Profile[]; nextCursor: number | null }> {
    const limit = pageLimit(q.limit);
    let query = this.db.selectFrom('profiles').selectAll().where('workspace_id', '=', workspaceId);
    if (q.customerNumber) query = query.where('customer_number', '=', q.customerNumber);
    if (q.email) query = query.where('email', '=', q.email);
    if (q.cursor !== undefined) query = query.where('seq', '<', q.cursor);
    const rows = await query.orderBy('seq', 'desc').limit(limit).execute();
    return { items: rows.map(toProfile), nextCursor: nextCursor(rows, limit) };
  }

  async get(workspaceId: string, id: string): Promise<Profile> {
    const row = await this.find(workspaceId, id);
    if (!row) throw new ProblemError('NOT_FOUND', `profile ${id} does not exist`);
    return toProfile(row);
  }

  /** Changes fields; `attributes` replaces the whole attribute object. A change that changes nothing writes nothing. */
  async update(workspaceId: string, id: string, patch: ProfilePatchBody, actor: Actor): Promise<Profile> {
    const now = this.clock();
    return this.db.transaction().execute(async (trx) => {
      const row = await trx.selectFrom('profiles').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst();
      if (!row) throw new ProblemError('NOT_FOUND', `profile ${id} does not exist`);
      const before = toProfile(row);
      const changes: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(patch)) if (JSON.stringify(before[k as keyof Profile]) !== JSON.stringify(v)) changes[k] = v;
      if (!Object.keys(changes).length) return before;
      const values = {
        name: patch.name ?? row.name,
        email: patch.email !== undefined ? patch.email : row.email,
        phone: patch.phone !== undefined ? patch.phone : row.phone,
        address: patch.address !== undefined ? (patch.address ? JSON.stringify(patch.address) : null) : row.address,
        attributes: patch.attributes !== undefined ? JSON.stringify(patch.attributes) : row.attributes,
        updated_at: now,
      };
      await trx.updateTable('profiles').set(values).where('id', '=', id).execute();
      const profile = toProfile({ ...row, ...values });
      await emitHostEvent(trx, workspaceId, 'ProfileUpdated', id, { profileId: id, customerNumber: row.customer_number, userId: actor.userId, changes, profile }, actor, now);
      return profile;
    });
  }

  async delete(workspaceId: string, id: string, actor: Actor): Promise<void> {
    const now = this.clock();
    await this.db.transaction().execute(async (trx) => {
      const row = await trx.selectFrom('profiles').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst();
      if (!row) throw new ProblemError('NOT_FOUND', `profile ${id} does not exist`);
      await trx.deleteFrom('profiles').where('id', '=', id).execute();
      await emitHostEvent(trx, workspaceId, 'ProfileDeleted', id, { profileId: id, customerNumber: row.customer_number, userId: actor.userId, profile: toProfile(row) }, actor, now);
    });
  }
}
