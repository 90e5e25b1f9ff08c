import type { Logger } from 'pino';
import type { EntityManager } from 'typeorm';
import type { AppConfig } from '../../config/app-config';
import type { ApiKeyPrincipal } from '../../context/request-context';
import type { TransactionRunner } from '../../database/transaction-runner.service';
import { AppException } from '../../http/app-exception';
import { MemoryKeyValueStore } from '../../kv/memory-kv-store';
import { bucketPolicy } from '../../rate-limit/rate-policy';
import type { Organization } from '../organizations/organization.entity';
import type { OrganizationsRepository } from '../organizations/organizations.repository';
import { ApiKey } from './api-key.entity';
import { ApiKeyAuthenticatorService } from './api-key-authenticator.service';
import { ApiKeySecrets } from './api-key-secrets';
import type { ApiKeysRepository } from './api-keys.repository';

const ORG = '33333333-3333-4333-8333-333333333333';
const config = {
  apiKeys: {
    pepper: 'a-test-pepper-of-at-least-32-characters',
    pepperGenerated: false,
    environment: 'test',
  },
  rateLimits: { ip: null, tenant: null, apiKey: bucketPolicy('api-key', 2, 60) },
} as AppConfig;

describe('ApiKeyAuthenticatorService', () => {
  const secrets = new ApiKeySecrets(config);
  let row: ApiKey;
  let key: string;
  let organization: Pick<Organization, 'id' | 'name' | 'subdomain' | 'status'>;
  let markUsed: jest.Mock<Promise<void>, [string, Date]>;
  let warn: jest.Mock;
  let kv: MemoryKeyValueStore;
  let now: number;
  let service: ApiKeyAuthenticatorService;

  beforeEach(() => {
    const generated = secrets.generate();
    key = generated.key;
    row = Object.assign(new ApiKey(), {
      id: 'key-id',
      organizationId: ORG,
      publicId: generated.publicId,
      name: 'Sync',
      secretHmac: generated.secretHmac,
      // A hand-edited row cannot lend a key a permission no key may hold.
      permissions: ['products.read', 'roles.manage'],
      createdBy: 'user',
      lastUsedAt: null,
      expiresAt: null,
      revokedAt: null,
    });
    organization = { id: ORG, name: 'Acme', subdomain: 'acme', status: 'active' };
    markUsed = jest.fn<Promise<void>, [string, Date]>().mockResolvedValue(undefined);
    warn = jest.fn();
    now = Date.now();
    // The scripts take the time from the caller: the same clock as the store's.
    jest.spyOn(Date, 'now').mockImplementation(() => now);
    kv = new MemoryKeyValueStore(() => now);
    const keys = {
      findForAuthentication: jest.fn((publicId: string) =>
        Promise.resolve(publicId === row.publicId ? row : null),
      ),
      transactional: jest.fn(() => ({ markUsed })),
    };
    const organizations = { findById: jest.fn(() => Promise.resolve(organization)) };
    const transactions: Pick<TransactionRunner, 'run'> = {
      run: (work) => work({} as EntityManager),
    };
    service = new ApiKeyAuthenticatorService(
      keys as unknown as ApiKeysRepository,
      secrets,
      organizations as unknown as OrganizationsRepository,
      transactions as TransactionRunner,
      kv,
      config,
      { warn } as unknown as Logger,
    );
  });

  it("gives a live key's principal: its organization, its name and its grantable permissions only", async () => {
    expect(await service.authenticate(key)).toEqual({
      kind: 'api_key',
      userId: null,
      apiKeyId: 'key-id',
      apiKeyName: 'Sync',
      organizationId: ORG,
      organization,
      permissions: ['products.read'],
    });
  });

  it('refuses a revoked or expired key, a key of a suspended organization and a live key of production', async () => {
    row.revokedAt = new Date();
    expect(await service.authenticate(key)).toBeNull();
    row.revokedAt = null;
    row.expiresAt = new Date(Date.now() - 1);
    expect(await service.authenticate(key)).toBeNull();
    row.expiresAt = new Date(Date.now() + 60_000);
    expect(await service.authenticate(key)).not.toBeNull();
    organization.status = 'suspended';
    expect(await service.authenticate(key)).toBeNull();
    organization.status = 'active';
    expect(await service.authenticate(key.replace(/^sk_test_/, 'sk_live_'))).toBeNull();
  });

  afterEach(() => jest.restoreAllMocks());

  it('limits each key to its requests per window, with Retry-After, refilling one every window / limit', async () => {
    const principal = (await service.authenticate(key)) as ApiKeyPrincipal;
    await service.admit(principal);
    await service.admit(principal);
    const refused = await service.admit(principal).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(AppException);
    expect(refused).toMatchObject({
      code: 'TOO_MANY_REQUESTS',
      headers: {
        'retry-after': '30',
        'ratelimit-policy': '"api-key";q=2;w=60',
        ratelimit: '"api-key";r=0;t=30',
      },
    });
    now += 29_999;
    await expect(service.admit(principal)).rejects.toBeInstanceOf(AppException);
    now += 1;
    await expect(service.admit(principal)).resolves.toBeUndefined();
    await expect(service.admit(principal)).rejects.toBeInstanceOf(AppException);
  });

  it('writes lastUsedAt once a minute per key, and logs a failed write instead of failing the request', async () => {
    const principal = (await service.authenticate(key)) as ApiKeyPrincipal;
    await service.admit(principal);
    await service.admit(principal);
    expect(markUsed).toHaveBeenCalledTimes(1);
    now += 60_001;
    markUsed.mockRejectedValueOnce(new Error('database away'));
    await service.admit(principal);
    await new Promise((resolve) => setImmediate(resolve));
    expect(markUsed).toHaveBeenCalledTimes(2);
    expect(warn).toHaveBeenCalledWith(
      expect.objectContaining({ apiKeyId: 'key-id' }),
      'could not record the use of an API key',
    );
  });
});
