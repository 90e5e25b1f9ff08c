import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

const SRC = join(__dirname, '..');

function sourceFiles(dir = SRC): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    if (!entry.name.endsWith('.ts') || /\.(spec|int-spec|contract)\.ts$/.test(entry.name))
      return [];
    return [relative(SRC, path).split(sep).join('/')];
  });
}

/**
 * Reads that may lag the primary, each with why that is acceptable. Every other read goes to
 * the primary (the replication default, data-source-options.ts). docs/operations.md has the
 * same list: a new replica read belongs in both, never in authentication.
 */
const REPLICA_READS: Record<string, string> = {
  'database/replica-reads.ts': 'defines readFromReplica',
  'tenancy/tenant-scoped.repository.ts': 'defines onReplica for tenant-scoped repositories',
  'modules/products/products.repository.ts': 'the product list (findPage)',
  'modules/users/users.repository.ts': 'the users list (findPage)',
  'modules/audit/audit-logs.repository.ts': 'the audit log (findPage)',
};

describe('reads on a replica', () => {
  it('happen only in the listed repositories, once each', () => {
    const uses = new Map<string, number>();
    for (const file of sourceFiles()) {
      const count = (
        readFileSync(join(SRC, file), 'utf8').match(/\b(onReplica|readFromReplica)(<\w+>)?\(/g) ??
        []
      ).length;
      if (count > 0) uses.set(file, count);
    }
    expect([...uses.keys()].sort()).toEqual(Object.keys(REPLICA_READS).sort());
    for (const file of Object.keys(REPLICA_READS).filter((name) => name.startsWith('modules/')))
      expect({ file, uses: uses.get(file) }).toEqual({ file, uses: 1 });
  });
});
