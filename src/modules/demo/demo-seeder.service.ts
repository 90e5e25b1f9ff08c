import { Injectable } from '@nestjs/common';
import { AuditAction } from '../audit/audit-actions';
import { AuditService } from '../audit/audit.service';
import {
  BUILT_IN_ROLE_NAMES,
  type BuiltInRoles,
  builtInRole,
  createOrganizationWithBuiltInRoles,
} from '../organizations/organization-provisioning';
import type { Organization } from '../organizations/organization.entity';
import { OrganizationsRepository } from '../organizations/organizations.repository';
import { SuperusersRepository } from '../platform/superusers.repository';
import { ProductsRepository } from '../products/products.repository';
import { ProductsService } from '../products/products.service';
import { RolesRepository } from '../roles/roles.repository';
import { User } from '../users/user.entity';
import { UsersRepository } from '../users/users.repository';
import { canonicalEmail } from '../../security/email';
import { PasswordHasher } from '../../security/password-hasher.service';
import { passwordProblem } from '../../security/password-policy';
import { SystemScope } from '../../tenancy/system-scope.service';
import { TransactionRunner } from '../../database/transaction-runner.service';
import {
  DEMO_ORGANIZATIONS,
  DEMO_PASSWORD,
  DEMO_SUPERUSER_EMAIL,
  type DemoOrganization,
  type DemoProduct,
  type DemoUser,
} from './demo-data';

/** In the audit metadata of every row the seed creates. */
const SEED_SOURCE = 'demo-seed';

export interface SeedOptions {
  organizations?: DemoOrganization[];
  /** The password of every user the seed creates; must pass the password policy. */
  password?: string;
  /** The superuser to create; null for none. */
  superuserEmail?: string | null;
  /** Receives one human-readable line per thing looked at. */
  report?: (line: string) => void;
}

export interface SeedCounts {
  created: number;
  existing: number;
}

export interface SeedSummary {
  organizations: SeedCounts;
  roles: SeedCounts;
  users: SeedCounts;
  products: SeedCounts;
  superusers: SeedCounts;
}

const counts = (): SeedCounts => ({ created: 0, existing: 0 });

/**
 * Loads demo data through the app's own repositories and services, each tenant's rows inside
 * SystemScope.asTenant so tenant scoping applies as in a request. Idempotent: what exists (by
 * subdomain, email, SKU) is left exactly as it is, so a second run writes nothing; what is
 * missing is created, so a half-seeded database is completed. The building blocks are public
 * for tests and the benchmark.
 */
@Injectable()
export class DemoSeeder {
  private readonly hashes = new Map<string, Promise<string>>();

  constructor(
    private readonly transactions: TransactionRunner,
    private readonly organizations: OrganizationsRepository,
    private readonly roles: RolesRepository,
    private readonly users: UsersRepository,
    private readonly products: ProductsRepository,
    private readonly productsService: ProductsService,
    private readonly superusers: SuperusersRepository,
    private readonly hasher: PasswordHasher,
    private readonly audit: AuditService,
    private readonly systemScope: SystemScope,
  ) {}

  async seed(options: SeedOptions = {}): Promise<SeedSummary> {
    const password = options.password ?? DEMO_PASSWORD;
    const problem = passwordProblem(password);
    if (problem) throw new Error(`The seed password ${problem}`);
    const report = options.report ?? (() => undefined);
    const summary: SeedSummary = {
      organizations: counts(),
      roles: counts(),
      users: counts(),
      products: counts(),
      superusers: counts(),
    };
    const tally = (kind: keyof SeedSummary, created: boolean) =>
      (summary[kind][created ? 'created' : 'existing'] += 1);

    for (const spec of options.organizations ?? DEMO_ORGANIZATIONS) {
      const { organization, roles, created, rolesCreated } = await this.ensureOrganization(spec);
      tally('organizations', created);
      summary.roles.created += rolesCreated;
      summary.roles.existing += BUILT_IN_ROLE_NAMES.length - rolesCreated;
      report(
        `Organization ${spec.subdomain} (${organization.name}): ${created ? 'created with its built-in roles' : rolesCreated > 0 ? `exists; ${rolesCreated} missing built-in role(s) added` : 'exists'}`,
      );

      let actorId: string | null = null;
      for (const userSpec of spec.users) {
        const user = await this.ensureUser(organization, roles, userSpec, password);
        tally('users', user.created);
        actorId ??= user.user.id;
        report(
          `  User ${user.user.email} (${userSpec.role}): ${user.created ? 'created' : 'exists, left unchanged'}`,
        );
      }

      if (spec.products.length === 0) continue;
      if (!actorId)
        throw new Error(
          `Organization ${spec.subdomain}: products need a user to author them; list at least one user`,
        );
      const products = await this.ensureProducts(organization, actorId, spec.products);
      summary.products.created += products.created;
      summary.products.existing += products.existing;
      report(`  Products: ${products.created} created, ${products.existing} already there`);
    }

    const superuserEmail =
      options.superuserEmail === undefined ? DEMO_SUPERUSER_EMAIL : options.superuserEmail;
    if (superuserEmail) {
      const created = await this.ensureSuperuser(superuserEmail, password);
      tally('superusers', created);
      report(
        `Superuser ${canonicalEmail(superuserEmail)}: ${created ? 'created' : 'exists, left unchanged'}`,
      );
    }
    return summary;
  }

  /** The organization by subdomain, created with its built-in roles when missing; missing built-in roles are added. */
  async ensureOrganization(spec: { subdomain: string; name: string }): Promise<{
    organization: Organization;
    roles: BuiltInRoles;
    created: boolean;
    rolesCreated: number;
  }> {
    const existing = await this.organizations.findBySubdomain(spec.subdomain);
    if (!existing) {
      const provisioned = await this.transactions.run((manager) =>
        createOrganizationWithBuiltInRoles(
          this.systemScope,
          { organizations: this.organizations, roles: this.roles },
          manager,
          spec,
          async (created) => {
            await this.audit.record(
              {
                action: AuditAction.ORGANIZATION_CREATED,
                organizationId: created.organization.id,
                entityType: 'organization',
                entityId: created.organization.id,
                after: {
                  name: created.organization.name,
                  subdomain: created.organization.subdomain,
                },
                metadata: { source: SEED_SOURCE },
              },
              manager,
            );
            return created;
          },
        ),
      );
      return { ...provisioned, created: true, rolesCreated: BUILT_IN_ROLE_NAMES.length };
    }
    return this.asTenant(existing, async () => {
      const found = await this.roles.findByNames(BUILT_IN_ROLE_NAMES);
      const roles = {} as BuiltInRoles;
      let rolesCreated = 0;
      for (const name of BUILT_IN_ROLE_NAMES) {
        const role = found.find((candidate) => candidate.name === name);
        if (role) {
          roles[name] = role;
        } else {
          roles[name] = await this.roles.insert(builtInRole(name));
          rolesCreated += 1;
        }
      }
      return { organization: existing, roles, created: false, rolesCreated };
    });
  }

  /** The user by email within the organization, created with one built-in role when missing. */
  async ensureUser(
    organization: Organization,
    roles: BuiltInRoles,
    spec: DemoUser,
    password: string,
  ): Promise<{ user: User; created: boolean }> {
    return this.asTenant(organization, async () => {
      const email = canonicalEmail(spec.email);
      const existing = await this.users.findByEmail(email);
      if (existing) return { user: existing, created: false };
      const passwordHash = await this.hashOf(password);
      const user = await this.transactions.run(async (manager) => {
        const inserted = await this.users.transactional(manager).insert(
          Object.assign(new User(), {
            email,
            passwordHash,
            firstName: spec.firstName,
            lastName: spec.lastName,
            status: 'active',
            lastLoginAt: null,
            createdBy: null,
            updatedBy: null,
            roles: [roles[spec.role]],
          }),
        );
        await this.audit.record(
          {
            action: AuditAction.USER_CREATED,
            entityType: 'user',
            entityId: inserted.id,
            after: {
              email,
              firstName: spec.firstName,
              lastName: spec.lastName,
              status: 'active',
              roles: [spec.role],
            },
            metadata: { source: SEED_SOURCE },
          },
          manager,
        );
        return inserted;
      });
      return { user, created: true };
    });
  }

  /** Creates, through ProductsService (validation of prices, audit rows), the products whose SKU the organization lacks. */
  async ensureProducts(
    organization: Organization,
    actorId: string,
    products: DemoProduct[],
  ): Promise<SeedCounts> {
    return this.asTenant(organization, async () => {
      const result = counts();
      for (const product of products) {
        if (await this.products.existsBySku(product.sku)) {
          result.existing += 1;
          continue;
        }
        await this.productsService.create(
          {
            name: product.name,
            sku: product.sku,
            price: product.price,
            description: product.description,
            status: product.status,
          },
          actorId,
        );
        result.created += 1;
      }
      return result;
    });
  }

  /** Creates the superuser when the email is unknown; an existing one (and its password) is left alone. */
  async ensureSuperuser(email: string, password: string): Promise<boolean> {
    const canonical = canonicalEmail(email);
    if (await this.superusers.findByEmailWithCredentials(canonical)) return false;
    const { superuser, created } = await this.superusers.upsert(
      canonical,
      await this.hashOf(password),
    );
    if (created) {
      await this.audit.record({
        action: AuditAction.SUPERUSER_CREATED,
        organizationId: null,
        entityType: 'superuser',
        entityId: superuser.id,
        after: { email: canonical },
        metadata: { source: SEED_SOURCE },
      });
    }
    return created;
  }

  private asTenant<T>(organization: Organization, work: () => Promise<T>): Promise<T> {
    return this.systemScope.asTenant(organization, SEED_SOURCE, work);
  }

  /** One bcrypt hash per password and run: every demo login shares the password, so hashing it once saves seconds. */
  private hashOf(password: string): Promise<string> {
    let hash = this.hashes.get(password);
    if (!hash) {
      hash = this.hasher.hash(password);
      this.hashes.set(password, hash);
    }
    return hash;
  }
}
