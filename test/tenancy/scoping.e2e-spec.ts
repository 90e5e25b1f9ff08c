import { Brackets, DataSource, type EntitySubscriberInterface } from 'typeorm';
import { RequestContext } from '../../src/context/request-context';
import { MissingKeyError } from '../../src/database/required-key';
import { AuditLog } from '../../src/modules/audit/audit-log.entity';
import { AuditAction } from '../../src/modules/audit/audit-actions';
import { AuditService } from '../../src/modules/audit/audit.service';
import { OrganizationsRepository } from '../../src/modules/organizations/organizations.repository';
import { SuperusersRepository } from '../../src/modules/platform/superusers.repository';
import { User } from '../../src/modules/users/user.entity';
import { UsersRepository } from '../../src/modules/users/users.repository';
import { canonicalEmail } from '../../src/security/email';
import { SystemScope } from '../../src/tenancy/system-scope.service';
import { MissingTenantContextError } from '../../src/tenancy/tenant-context';
import {
  TENANT_SCOPE_PARAMETER,
  TenantScopedQueryBuilder,
} from '../../src/tenancy/tenant-scoped-query-builder';
import {
  CrossTenantWriteError,
  TenantScopedRepository,
} from '../../src/tenancy/tenant-scoped.repository';
import { register, type Registered } from '../support/api-client';
import { startTestApp, type TestApp } from '../support/test-app';

/** The protected base methods, opened up the way a repository subclass uses them. */
class ProbeUsersRepository extends TenantScopedRepository<User> {
  constructor(dataSource: DataSource) {
    super(dataSource, User);
  }
  builder() {
    return this.queryBuilder('user');
  }
  countAll(): Promise<number> {
    return this.countScoped();
  }
}

/** Counts the SQL statements the current context runs (not the app's pollers) until stop(). */
function countStatements(dataSource: DataSource): { stop(): number } {
  let count = 0;
  const context = RequestContext.current();
  const subscriber: EntitySubscriberInterface = {
    beforeQuery: () => {
      if (RequestContext.current() === context) count += 1;
    },
  };
  const { subscribers } = dataSource;
  subscribers.push(subscriber);
  return {
    stop: () => {
      subscribers.splice(subscribers.indexOf(subscriber), 1);
      return count;
    },
  };
}

const MISSING_IDS: [string, unknown][] = [
  ['undefined', undefined],
  ['null', null],
  ['an empty string', ''],
];

describe('tenant-scoped repositories', () => {
  let t: TestApp;
  let users: UsersRepository;
  let probe: ProbeUsersRepository;
  let scope: SystemScope;
  let a: Registered;
  let b: Registered;
  const asTenant = <T>(org: Registered, work: () => Promise<T>) =>
    scope.asTenant(org.organization, 'test', work);
  const auditRows = () => t.app.get(DataSource).getRepository(AuditLog);

  beforeAll(async () => {
    t = await startTestApp();
    users = t.app.get(UsersRepository);
    probe = new ProbeUsersRepository(t.app.get(DataSource));
    scope = t.app.get(SystemScope);
    a = await register(t);
    b = await register(t);
  });
  afterAll(async () => {
    await t.close();
  });

  it('throws on every operation when there is no tenant context', async () => {
    const operations: [string, () => Promise<unknown>][] = [
      ['findById', () => users.findById(a.user.id)],
      [
        'findByEmailWithCredentials',
        () => users.findByEmailWithCredentials(canonicalEmail(a.email)),
      ],
      ['count', () => probe.countAll()],
      ['queryBuilder', async () => probe.builder().getMany()],
      ['insert', () => users.insert(Object.assign(new User(), { email: 'x@y.z' }))],
      ['update', () => users.update(a.user.id, { firstName: 'X' })],
      ['delete', () => users.delete(a.user.id)],
    ];
    const outcomes: Record<string, string> = {};
    for (const [name, operation] of operations)
      outcomes[name] = await operation().then(
        () => 'resolved',
        (error: unknown) =>
          error instanceof MissingTenantContextError ? 'refused' : String(error),
      );
    expect(outcomes).toEqual(Object.fromEntries(operations.map(([name]) => [name, 'refused'])));
    const row = await t.app.get(DataSource).getRepository(User).findOneByOrFail({ id: a.user.id });
    expect(row.firstName).toBe('Ada');
  });

  it('reads, counts and queries only the current tenant', async () => {
    await asTenant(a, async () => {
      expect(await users.findById(b.user.id)).toBeNull();
      expect((await users.findById(a.user.id))?.id).toBe(a.user.id);
      expect(await users.findByEmailWithCredentials(canonicalEmail(b.email))).toBeNull();
      expect(await probe.countAll()).toBe(1);
      const rows = await probe.builder().getMany();
      expect(rows.map((user) => user.organizationId)).toEqual([a.organization.id]);
    });
  });

  /** What a later call could do to a tenant-scoped builder; `other` is tenant B's id. */
  const escapes: [string, (other: string) => Promise<User[]>][] = [
    ['where() replacing the conditions', () => probe.builder().where('1=1').getMany()],
    ['orWhere()', () => probe.builder().orWhere('1=1').getMany()],
    ['where() then orWhere()', () => probe.builder().where('1=0').orWhere('1=1').getMany()],
    [
      'where() with Brackets',
      () =>
        probe
          .builder()
          .where(new Brackets((qb) => qb.where('1=1').orWhere('1=1')))
          .getMany(),
    ],
    [
      'orWhere() naming the other tenant',
      (other) => probe.builder().orWhere('user.organizationId = :other', { other }).getMany(),
    ],
    [
      'where() with an object naming the other tenant',
      (other) => probe.builder().where({ organizationId: other }).getMany(),
    ],
    [
      'setParameter() on the former parameter name',
      (other) => probe.builder().setParameter('tenantId', other).getMany(),
    ],
    ['whereInIds()', () => probe.builder().whereInIds([b.user.id]).getMany()],
    [
      'pagination over a join (two queries)',
      async () =>
        (
          await probe
            .builder()
            .leftJoinAndSelect('user.roles', 'role')
            .orWhere('1=1')
            .skip(0)
            .take(10)
            .getManyAndCount()
        )[0],
    ],
  ];

  it.each(escapes)('keeps the tenant condition through %s', async (_, escape) => {
    const rows = await asTenant(a, () => escape(b.organization.id));
    expect(rows.map((row) => row.id)).not.toContain(b.user.id);
  });

  it('keeps the tenant condition in counts, raw rows and exists queries', async () => {
    await asTenant(a, async () => {
      expect(await probe.builder().orWhere('1=1').getCount()).toBe(1);
      const raw = await probe.builder().orWhere('1=1').select('user.id', 'id').getRawMany();
      expect(raw).toEqual([{ id: a.user.id }]);
      expect(await probe.builder().where('user.id = :id', { id: b.user.id }).getExists()).toBe(
        false,
      );
      // One scoped query inside another of the same tenant.
      const nested = await probe
        .builder()
        .andWhereExists(probe.builder().andWhere('user.status = :status', { status: 'active' }))
        .getMany();
      expect(nested.map((row) => row.id)).toEqual([a.user.id]);
    });
  });

  it('reads a raw page and its total within the tenant, valued as the entities are', async () => {
    const columns = [
      'id',
      'organizationId',
      'email',
      'status',
      'createdAt',
      'emailVerifiedAt',
    ] as const;
    const pick = (user: User) => Object.fromEntries(columns.map((key) => [key, user[key]]));
    await asTenant(a, async () => {
      const ordered = () => probe.builder().orWhere('1=1').orderBy('user.createdAt', 'DESC');
      const [entities, entityTotal] = await ordered().getManyAndCount();
      const page = { offset: 0, limit: 10 };
      const [rows, total] = await ordered().getColumnsPageAndCount(columns, page);
      expect([rows, total]).toEqual([entities.map(pick), entityTotal]);
      expect(total).toBe(1);
      expect(rows[0].createdAt).toBeInstanceOf(Date);
      // Past the end the count alone answers: one statement.
      const statements = countStatements(t.app.get(DataSource));
      const pastTheEnd = await ordered().getColumnsPageAndCount(columns, { offset: 1, limit: 10 });
      expect([pastTheEnd, statements.stop()]).toEqual([[[], 1], 1]);
      const joined = probe.builder().leftJoin('user.roles', 'role');
      await expect(joined.getColumnsPageAndCount(columns, page)).rejects.toThrow(/joins/);
      const locked = probe.builder().setLock('pessimistic_read');
      await expect(locked.getColumnsPageAndCount(columns, page)).rejects.toThrow(/locks/);
    });
    // skip and take are not the page: its offset and limit are, across every tenant here.
    await scope.run('test: page past take', async () => {
      const [rows, total] = await probe
        .builder()
        .take(1)
        .skip(1)
        .orderBy('user.createdAt', 'DESC')
        .getColumnsPageAndCount(['id'] as const, { offset: 0, limit: 2 });
      expect([rows.length, total]).toEqual([2, expect.any(Number)]);
      expect(total).toBeGreaterThanOrEqual(2);
    });
  });

  it('renders a page query once per shape and binds each call’s tenant and values', async () => {
    const columns = ['id', 'organizationId', 'email'] as const;
    const page = { offset: 0, limit: 10 };
    const byEmail = (email: string) =>
      probe
        .builder()
        .andWhere('user.email = :email', { email: canonicalEmail(email) })
        .orderBy('user.createdAt', 'DESC')
        .getColumnsPageAndCount(columns, page);
    await asTenant(a, () => byEmail(a.email));
    // The private step that renders; spied on the prototype, as the app's pollers query too.
    const renders = jest.spyOn(
      TenantScopedQueryBuilder.prototype as unknown as { renderPageStatements(): unknown },
      'renderPageStatements',
    );
    try {
      // The same shape for another tenant, and with another value: nothing rendered again,
      // and each call sees its own tenant's rows for its own value.
      const [own] = await asTenant(b, () => byEmail(b.email));
      const [foreign, foreignTotal] = await asTenant(b, () => byEmail(a.email));
      const [again] = await asTenant(a, () => byEmail(a.email));
      expect(renders).not.toHaveBeenCalled();
      expect(own.map((row) => row.organizationId)).toEqual([b.organization.id]);
      expect([foreign, foreignTotal]).toEqual([[], 0]);
      expect(again.map((row) => row.id)).toEqual([a.user.id]);
      // Across every tenant (the system scope) the statement has no tenant condition: its own
      // shape, rendered for it, and never served to a tenant.
      const everyone = await scope.run('test: every tenant', () =>
        probe.builder().orderBy('user.createdAt', 'DESC').getColumnsPageAndCount(columns, page),
      );
      expect(renders).toHaveBeenCalled();
      const tenants = new Set(everyone[0].map((row) => row.organizationId));
      expect([tenants.has(a.organization.id), tenants.has(b.organization.id)]).toEqual([
        true,
        true,
      ]);
      const [scoped, scopedTotal] = await asTenant(a, () =>
        probe.builder().orderBy('user.createdAt', 'DESC').getColumnsPageAndCount(columns, page),
      );
      expect([scoped.map((row) => row.organizationId), scopedTotal]).toEqual([
        [a.organization.id],
        1,
      ]);
    } finally {
      renders.mockRestore();
    }
  });

  it('refuses to let the tenant parameter be overridden, or the builder write', async () => {
    await asTenant(a, async () => {
      const other = { [TENANT_SCOPE_PARAMETER]: b.organization.id };
      expect(() => probe.builder().setParameters(other)).toThrow(/reserved/);
      expect(() => probe.builder().where('1=1', other)).toThrow(/reserved/);
      expect(() => probe.builder().andWhere(new Brackets((qb) => qb.where('1=1', other)))).toThrow(
        /reserved/,
      );
      expect(() => probe.builder().update()).toThrow(/only reads/);
      expect(() => probe.builder().delete()).toThrow(/only reads/);
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

  it.each(MISSING_IDS)('throws, never matches a row, when handed %s as an id', async (_, id) => {
    const missing = id as string;
    await asTenant(a, async () => {
      await expect(users.findById(missing)).rejects.toBeInstanceOf(MissingKeyError);
      await expect(users.findByIdWithRoles(missing)).rejects.toBeInstanceOf(MissingKeyError);
      await expect(users.update(missing, { firstName: 'Mallory' })).rejects.toBeInstanceOf(
        MissingKeyError,
      );
      await expect(users.delete(missing)).rejects.toBeInstanceOf(MissingKeyError);
    });
    const organizations = t.app.get(OrganizationsRepository);
    await expect(organizations.findById(missing)).rejects.toBeInstanceOf(MissingKeyError);
    await expect(organizations.update(missing, { name: 'Mallory' })).rejects.toBeInstanceOf(
      MissingKeyError,
    );
    const superusers = t.app.get(SuperusersRepository);
    await expect(superusers.findById(missing)).rejects.toBeInstanceOf(MissingKeyError);
    await expect(superusers.touchLogin(missing)).rejects.toBeInstanceOf(MissingKeyError);
    const rows = await t.app.get(DataSource).getRepository(User).find();
    expect(rows.map((row) => row.firstName)).not.toContain('Mallory');
    expect((await organizations.findById(a.organization.id))?.name).not.toBe('Mallory');
  });

  it('throws when a named lookup is handed undefined or null, never matching a row', async () => {
    await asTenant(a, async () => {
      for (const missing of [undefined, null]) {
        await expect(users.findByEmail(missing as never)).rejects.toBeInstanceOf(MissingKeyError);
        await expect(users.findByEmailWithCredentials(missing as never)).rejects.toBeInstanceOf(
          MissingKeyError,
        );
      }
    });
    // Repositories that are not tenant-scoped: TypeORM itself is configured to throw.
    for (const missing of [undefined, null])
      await expect(
        t.app.get(OrganizationsRepository).findBySubdomain(missing as never),
      ).rejects.toThrow(/value encountered/);
  });

  it.each(MISSING_IDS)('refuses a tenant whose id is %s', async (_, id) => {
    let ran = false;
    await expect(
      scope.asTenant({ id: id as string, subdomain: 'x' }, 'test', async () => {
        ran = true;
        return probe.countAll();
      }),
    ).rejects.toThrow(/non-empty tenant id/);
    expect(ran).toBe(false);
  });

  it('crosses tenants only inside the named, audited system scope', async () => {
    const total = await scope.run('test: count users of every tenant', () => probe.countAll());
    expect(total).toBeGreaterThanOrEqual(2);
    const audits = await auditRows().findBy({ action: 'system.scope.entered' });
    expect(audits.map((audit) => audit.metadata)).toContainEqual({
      reason: 'test: count users of every tenant',
    });
    await expect(probe.countAll()).rejects.toBeInstanceOf(MissingTenantContextError);
    const inner = await scope.run('test: one tenant inside', () =>
      asTenant(a, () => probe.countAll()),
    );
    expect(inner).toBe(1);
  });

  it('acts as a tenant without an audit row, logging the reason and stamping it inside', async () => {
    const before = await auditRows().count();
    const logged = t.logs.length;
    await scope.asTenant(a.organization, 'test: read only', () => users.findById(a.user.id));
    expect(await auditRows().count()).toBe(before);
    expect(t.logs.slice(logged)).toContainEqual(
      expect.objectContaining({
        msg: 'acting as tenant',
        systemScope: 'test: read only',
        organizationId: a.organization.id,
      }),
    );

    await scope.asTenant(a.organization, 'test: audited write', async () => {
      await t.app.get(AuditService).record({ action: AuditAction.LOGOUT_ALL, metadata: { n: 1 } });
    });
    const row = await auditRows().findOneByOrFail({
      action: AuditAction.LOGOUT_ALL,
      organizationId: a.organization.id,
    });
    expect(row.organizationId).toBe(a.organization.id);
    expect(row.metadata).toEqual({ n: 1, systemScope: 'test: audited write' });
    expect(t.logs).toContainEqual(
      expect.objectContaining({
        audit: AuditAction.LOGOUT_ALL,
        systemScope: 'test: audited write',
      }),
    );
  });
});
