import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

const SRC = join(__dirname, '..');

/** Every shipped source file under src/, as a path relative to src/ with forward slashes. */
function sourceFiles(dir = SRC): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    // Colocated tests open contexts to exercise what runs inside one; they do not ship.
    if (!entry.name.endsWith('.ts') || /\.(spec|int-spec|contract)\.ts$/.test(entry.name))
      return [];
    return [relative(SRC, path).split(sep).join('/')];
  });
}

interface Hatch {
  name: string;
  pattern: RegExp;
  /** The only files that may use it, each with the reason. */
  allowed: Record<string, string>;
}

/**
 * Each way to make code run as a tenant, or across tenants, other than the request's own
 * tenant: the files allowed to use it, and why. Feature code acts as a tenant outside a
 * request only through SystemScope.asTenant / SystemScope.run, which name a reason.
 */
const HATCHES: Hatch[] = [
  {
    name: 'TenantContext.run',
    pattern: /\bTenantContext\s*(\.\s*run\b|\[)/,
    allowed: {},
  },
  {
    name: 'RequestContext.run',
    pattern: /\bRequestContext\s*(\.\s*run\b|\[)|\{\s*run\b[^}]*\}\s*=\s*RequestContext\b/,
    allowed: {
      'bootstrap/app.factory.ts': 'the request hooks open each HTTP request’s own context',
      'tenancy/system-scope.service.ts': 'SystemScope itself: the named, logged escape hatch',
    },
  },
  {
    name: 'a second AsyncLocalStorage',
    pattern: /\bAsyncLocalStorage\b/,
    allowed: { 'context/request-context.ts': 'the one request context store' },
  },
  {
    name: 'the API key read before any tenant (ApiKeysRepository.findForAuthentication)',
    pattern: /\bfindForAuthentication\b/,
    allowed: {
      'modules/api-keys/api-keys.repository.ts': 'defines it: the one row of one public id',
      'modules/api-keys/api-key-authenticator.service.ts':
        'authentication, after which the guard enters the key’s organization',
    },
  },
  {
    name: 'TenantContext.enter',
    pattern: /\bTenantContext\s*\.\s*enter\b/,
    allowed: {
      'security/access.guard.ts':
        'enters the tenant the request itself proves (its token) or names (a public route’s hint)',
    },
  },
];

describe('escape hatches around the tenant context', () => {
  const files = sourceFiles();
  const sources = new Map(files.map((file) => [file, readFileSync(join(SRC, file), 'utf8')]));

  it('scans the source tree', () => {
    expect(files).toEqual(expect.arrayContaining(['tenancy/system-scope.service.ts']));
    expect(files.length).toBeGreaterThan(50);
  });

  it.each(HATCHES)('$name is used only where allowed', ({ pattern, allowed }) => {
    const users = files.filter((file) => pattern.test(sources.get(file) ?? ''));
    expect(users.sort()).toEqual(Object.keys(allowed).sort());
  });
});
