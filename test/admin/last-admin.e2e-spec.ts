import { type ApiResponse, me, request } from '../support/api-client';
import { type Account, createTenant, createUser, WALK_ENV } from '../support/tenants';
import { startTestApp, type TestApp } from '../support/test-app';

describe('the last admin', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ env: WALK_ENV });
  });
  afterAll(async () => {
    await t.close();
  });

  const expectConflict = (result: ApiResponse, what: string) =>
    expect({
      what,
      status: result.status,
      error: result.body.error,
    }).toEqual({ what, status: 409, error: 'CONFLICT' });

  it('the last active admin cannot be demoted, disabled or deleted; with a second admin each is allowed', async () => {
    const org = await createTenant(t);
    const owner = org.owner;
    expectConflict(
      await request(t, 'PATCH', `/api/users/${owner.id}`, {
        token: owner.token,
        body: { roles: ['staff'] },
      }),
      'demote the only admin',
    );
    expectConflict(
      await request(t, 'PATCH', `/api/users/${owner.id}`, {
        token: owner.token,
        body: { status: 'disabled' },
      }),
      'disable the only admin',
    );
    expectConflict(
      await request(t, 'DELETE', `/api/users/${owner.id}`, { token: owner.token }),
      'delete the only admin',
    );
    expect((await me(t, owner.token)).status).toBe(200);

    // A second admin: the first may now be demoted.
    const second = await createUser(t, org, ['admin'], owner);
    expect(
      (
        await request(t, 'PATCH', `/api/users/${owner.id}`, {
          token: second.token,
          body: { roles: ['staff'] },
        })
      ).status,
    ).toBe(200);
    // Now the second is the last one.
    expectConflict(
      await request(t, 'PATCH', `/api/users/${second.id}`, {
        token: second.token,
        body: { roles: ['client'] },
      }),
      'demote the new last admin',
    );
    expectConflict(
      await request(t, 'PATCH', `/api/users/${second.id}`, {
        token: second.token,
        body: { status: 'disabled' },
      }),
      'disable the new last admin',
    );
    expectConflict(
      await request(t, 'DELETE', `/api/users/${second.id}`, { token: second.token }),
      'delete the new last admin',
    );

    // A third: the second may be disabled. A disabled admin does not count, so the third is then the last.
    const third = await createUser(t, org, ['admin'], second);
    expect(
      (
        await request(t, 'PATCH', `/api/users/${second.id}`, {
          token: third.token,
          body: { status: 'disabled' },
        })
      ).status,
    ).toBe(200);
    expectConflict(
      await request(t, 'DELETE', `/api/users/${third.id}`, { token: third.token }),
      'delete the last active admin',
    );

    // A fourth: the third may be deleted.
    const fourth = await createUser(t, org, ['admin'], third);
    expect(
      (await request(t, 'DELETE', `/api/users/${third.id}`, { token: fourth.token })).status,
    ).toBe(200);
    const admins = (
      (await request(t, 'GET', '/api/users?role=admin&status=active', { token: fourth.token }))
        .body as { data: { id: string }[] }
    ).data;
    expect(admins.map((user) => user.id)).toEqual([fourth.id]);
  });

  it('two admins demoting each other at the same moment leave one admin, every time', async () => {
    const org = await createTenant(t);
    let first: Account = org.owner;
    let second: Account = await createUser(t, org, ['admin']);
    // Several rounds: the interleavings differ from one round to the next (a MySQL deadlock was one).
    for (let round = 0; round < 6; round += 1) {
      const results = await Promise.all([
        request(t, 'PATCH', `/api/users/${second.id}`, {
          token: first.token,
          body: { roles: ['staff'] },
        }),
        request(t, 'PATCH', `/api/users/${first.id}`, {
          token: second.token,
          body: { roles: ['staff'] },
        }),
      ]);
      // The loser gets 409 when both passed the guard together, or 403 when the winner's change
      // already took its users.update away (it applies on the next request); never two 200s, never a 500.
      const statuses = results.map((result) => result.status).sort();
      expect({
        round,
        statuses: statuses.map((status) => (status === 403 ? 409 : status)),
      }).toEqual({ round, statuses: [200, 409] });
      const [winner, loser] = results[0].status === 200 ? [first, second] : [second, first];
      const admins = (
        (await request(t, 'GET', '/api/users?role=admin', { token: winner.token })).body as {
          data: { id: string }[];
        }
      ).data;
      expect(admins.map((user) => user.id)).toEqual([winner.id]);
      // Back to two admins for the next round.
      expect(
        (
          await request(t, 'PATCH', `/api/users/${loser.id}`, {
            token: winner.token,
            body: { roles: ['admin'] },
          })
        ).status,
      ).toBe(200);
      [first, second] = [winner, loser];
    }
  });
});
