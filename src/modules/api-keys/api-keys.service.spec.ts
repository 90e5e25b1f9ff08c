import type { EntityManager } from 'typeorm';
import type { AppConfig } from '../../config/app-config';
import type { ApiKeyPrincipal, UserPrincipal } from '../../context/request-context';
import type { TransactionRunner } from '../../database/transaction-runner.service';
import type { AuditService } from '../audit/audit.service';
import { ApiKey } from './api-key.entity';
import { ApiKeySecrets } from './api-key-secrets';
import type { ApiKeysRepository } from './api-keys.repository';
import { ApiKeysService } from './api-keys.service';

type RepositoryMock = jest.Mocked<
  Pick<ApiKeysRepository, 'transactional' | 'insert' | 'findById' | 'revoke' | 'findPage'>
>;

const ORG = '33333333-3333-4333-8333-333333333333';
const manager = {} as EntityManager;

function actor(permissions: readonly string[]): UserPrincipal {
  return {
    kind: 'tenant',
    userId: 'creator',
    organizationId: ORG,
    email: 'admin@acme.test',
    roles: [],
    permissions: [...permissions],
    sessionId: 'session',
    tokenId: 'token',
    tokenExpiresAt: 0,
    identity: {} as UserPrincipal['identity'],
  };
}

describe('ApiKeysService', () => {
  let repository: RepositoryMock;
  let audit: jest.Mocked<Pick<AuditService, 'record'>>;
  let service: ApiKeysService;

  beforeEach(() => {
    repository = {
      transactional: jest.fn(),
      insert: jest.fn(async (key: ApiKey) =>
        Object.assign(key, { id: 'key-id', organizationId: ORG, createdAt: new Date() }),
      ),
      findById: jest.fn(),
      revoke: jest.fn(),
      findPage: jest.fn(),
    };
    repository.transactional.mockReturnValue(repository as unknown as ApiKeysRepository);
    audit = { record: jest.fn().mockResolvedValue(undefined) };
    const transactions: Pick<TransactionRunner, 'run'> = { run: (work) => work(manager) };
    const secrets = new ApiKeySecrets({
      apiKeys: { pepper: 'p'.repeat(32), pepperGenerated: false, environment: 'test' },
    } as AppConfig);
    service = new ApiKeysService(
      repository as unknown as ApiKeysRepository,
      secrets,
      transactions as TransactionRunner,
      audit as unknown as AuditService,
    );
  });

  it('stores an HMAC, returns the key once, and audits the creation in the same transaction without it', async () => {
    const created = await service.create(
      { name: 'Sync', permissions: ['products.read'] },
      actor(['products.read', 'api_keys.manage']),
    );
    expect(created.key).toMatch(/^sk_test_[0-9a-f]{24}_[A-Za-z0-9_-]{43}$/);
    const stored = repository.insert.mock.calls[0][0];
    expect(stored).toMatchObject({ createdBy: 'creator', permissions: ['products.read'] });
    expect(stored.secretHmac).toMatch(/^[0-9a-f]{64}$/);
    expect(created.key).not.toContain(stored.secretHmac);
    expect(audit.record).toHaveBeenCalledWith(
      expect.objectContaining({ action: 'api_key.created', entityId: 'key-id' }),
      manager,
    );
    const recorded = JSON.stringify(audit.record.mock.calls);
    expect(recorded).not.toContain(created.key.slice(33));
    expect(recorded).not.toContain(stored.secretHmac);
  });

  it('refuses permissions the creator lacks, an API key as creator and an expiry in the past', async () => {
    await expect(
      service.create({ name: 'x', permissions: ['users.read'] }, actor(['api_keys.manage'])),
    ).rejects.toMatchObject({ code: 'FORBIDDEN' });
    const key: ApiKeyPrincipal = {
      kind: 'api_key',
      userId: null,
      apiKeyId: 'k',
      apiKeyName: 'k',
      organizationId: ORG,
      organization: {
        id: ORG,
        name: 'Acme',
        subdomain: 'acme',
        status: 'active',
        mfaRequired: 'off',
      },
      permissions: ['products.read'],
    };
    await expect(
      service.create({ name: 'x', permissions: ['products.read'] }, key),
    ).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(
      service.create(
        { name: 'x', permissions: ['products.read'], expiresAt: '2000-01-01T00:00:00Z' },
        actor(['products.read']),
      ),
    ).rejects.toMatchObject({ code: 'VALIDATION_ERROR' });
    expect(repository.insert).not.toHaveBeenCalled();
  });

  it('revokes once: a second revocation changes nothing and writes no row; an unknown id is 404', async () => {
    repository.findById.mockResolvedValue(
      Object.assign(new ApiKey(), { id: 'key-id', publicId: 'a'.repeat(24), permissions: [] }),
    );
    repository.revoke.mockResolvedValueOnce(true).mockResolvedValueOnce(false);
    await service.revoke('key-id');
    await service.revoke('key-id');
    expect(audit.record).toHaveBeenCalledTimes(1);
    expect(audit.record).toHaveBeenCalledWith(
      expect.objectContaining({ action: 'api_key.revoked', entityId: 'key-id' }),
      manager,
    );
    repository.findById.mockResolvedValue(null);
    await expect(service.revoke('other')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
