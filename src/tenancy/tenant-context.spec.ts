import { type ContextStore, RequestContext } from '../context/request-context';
import { TenantContext } from './tenant-context';

const ACME = { id: 'acme-id', subdomain: 'acme' };

describe('TenantContext.enter', () => {
  const inRequest = (work: (store: ContextStore) => void) => {
    const store: ContextStore = { requestId: 'req-1' };
    RequestContext.run(store, () => work(store));
  };

  it('sets the tenant of the current request, once', () => {
    inRequest((store) => {
      TenantContext.enter(ACME);
      TenantContext.enter({ ...ACME });
      expect(store.tenant).toEqual(ACME);
      expect(TenantContext.requireTenantId('test')).toBe('acme-id');
    });
  });

  it('refuses to switch an entered tenant to another', () => {
    inRequest((store) => {
      TenantContext.enter(ACME);
      expect(() => TenantContext.enter({ id: 'globex-id', subdomain: 'globex' })).toThrow(
        /another tenant/,
      );
      expect(store.tenant).toEqual(ACME);
    });
  });

  it.each([undefined, null, '', '  '])('refuses a tenant whose id is %p', (id) => {
    inRequest((store) => {
      expect(() => TenantContext.enter({ id: id as string, subdomain: 'x' })).toThrow(
        /non-empty tenant id/,
      );
      expect(store.tenant).toBeUndefined();
    });
  });

  it('needs a request context', () => {
    expect(() => TenantContext.enter(ACME)).toThrow(/No request context/);
  });
});
