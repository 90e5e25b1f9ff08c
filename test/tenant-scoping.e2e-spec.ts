import { DataSource } from 'typeorm';
import { AuditLog } from '../src/modules/audit/audit-log.entity';
import { User } from '../src/modules/users/user.entity';
import { UsersRepository } from '../src/modules/users/users.repository';
import { canonicalEmail } from '../src/security/email';
import { CrossTenantWriteError } from '../src/tenancy/tenant-scoped.repository';
import { MissingTenantContextError, TenantContext } from '../src/tenancy/tenant-context';
import { SystemScope } from '../src/tenancy/system-scope.service';
import { register, type Registered } from './support/auth';
import { startTestApp, type TestApp } from './support/test-app';

describe('tenant-scoped repositories', () => {
  let t: TestApp;
  let users: UsersRepository;
  let a: Registered;
  let b: Registered;
  const asTenant = <T>(org: Registered, work: () => Promise<T>) =>
    TenantContext.run({ id: org.organization.id, subdomain: org.organization.subdomain }, work);

  beforeAll(async () => {
    t = await startTestApp();
    users = t.app.get(UsersRepository);
    a = await register(t);
    b = await register(t);
  });
  afterAll(async () => {
    await t.close();
  });

  it('throws on every operation when there is no tenant context', async () => {
    const operations: [string, () => Promise<unknown>][] = [
      ['findById', () => users.findById(a.user.id)],
      ['findByIds', () => users.findByIds([a.user.id])],
      ['findByIds (empty)', () => users.findByIds([])],
      [
        'findByEmailWithCredentials',
        () => users.findByEmailWithCredentials(canonicalEmail(a.email)),
      ],
      ['count', () => users.count()],
      ['queryBuilder', async () => users.queryBuilder('user').getMany()],
      ['insert', () => users.insert(Object.assign(new User(), { email: 'x@y.z' }))],
      ['update', () => users.update(a.user.id, { firstName: 'X' })],
      ['delete', () => users.delete(a.user.id)],
    ];
    for (const [name, operation] of operations) {
      await expect(operation()).rejects.toBeInstanceOf(MissingTenantContextError);
      expect(name).toBeTruthy();
    }
    const row = await t.app.get(DataSource).getRepository(User).findOneByOrFail({ id: a.user.id });
    expect(row.firstName).toBe('Ada');
  });

  it('reads, counts and queries only the current tenant', async () => {
    await asTenant(a, async () => {
      expect(await users.findById(b.user.id)).toBeNull();
      expect((await users.findById(a.user.id))?.id).toBe(a.user.id);
      expect((await users.findByIds([a.user.id, b.user.id])).map((user) => user.id)).toEqual([
        a.user.id,
      ]);
      expect(await users.findByEmailWithCredentials(canonicalEmail(b.email))).toBeNull();
      expect(await users.count()).toBe(1);
      const rows = await users.queryBuilder('user').getMany();
      expect(rows.map((user) => user.organizationId)).toEqual([a.organization.id]);
    });
  });

  it('never updates, deletes or moves another tenant’s rows', async () => {
    await asTenant(a, async () => {
      expect(await users.update(b.user.id, { firstName: 'Mallory' })).toBe(false);
      expect(await users.delete(b.user.id)).toBe(false);
      await expect(
        users.update(a.user.id, { organizationId: b.organization.id } as never),
      ).rejects.toBeInstanceOf(CrossTenantWriteError);
      await expect(
        users.insert(
          Object.assign(new User(), { organizationId: b.organization.id, email: 'planted@x.test' }),
        ),
      ).rejects.toBeInstanceOf(CrossTenantWriteError);
    });
    const foreign = await asTenant(b, () => users.findById(b.user.id));
    await asTenant(a, async () => {
      await expect(users.save(foreign as User)).rejects.toBeInstanceOf(CrossTenantWriteError);
    });
    const row = await t.app.get(DataSource).getRepository(User).findOneByOrFail({ id: b.user.id });
    expect(row.firstName).toBe('Ada');
    expect(row.organizationId).toBe(b.organization.id);
  });

  it('crosses tenants only inside the named, audited system scope', async () => {
    const total = await t.app
      .get(SystemScope)
      .run('test: count users of every tenant', () => users.count());
    expect(total).toBeGreaterThanOrEqual(2);
    const audit = await t.app
      .get(DataSource)
      .getRepository(AuditLog)
      .findOneBy({ action: 'system.scope.entered' });
    expect(audit?.metadata).toEqual({ reason: 'test: count users of every tenant' });
    await expect(users.count()).rejects.toBeInstanceOf(MissingTenantContextError);
  });
});
