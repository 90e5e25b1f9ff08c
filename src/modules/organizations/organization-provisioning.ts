import type { EntityManager } from 'typeorm';
import { BUILT_IN_ROLES, type BuiltInRoleName } from '../../security/permissions';
import type { SystemScope } from '../../tenancy/system-scope.service';
import { Role } from '../roles/role.entity';
import type { RolesRepository } from '../roles/roles.repository';
import { Organization } from './organization.entity';
import type { OrganizationsRepository } from './organizations.repository';

export const BUILT_IN_ROLE_NAMES = Object.keys(BUILT_IN_ROLES) as BuiltInRoleName[];

export type BuiltInRoles = Record<BuiltInRoleName, Role>;

export interface ProvisionedOrganization {
  organization: Organization;
  roles: BuiltInRoles;
}

/** A built-in role as a new, unsaved entity, exactly as permissions.ts defines it. */
export function builtInRole(name: BuiltInRoleName): Role {
  const grant = BUILT_IN_ROLES[name];
  return Object.assign(new Role(), {
    name,
    description: grant.description,
    permissions: [...grant.permissions],
    isBuiltIn: true,
    createdBy: null,
    updatedBy: null,
  });
}

/**
 * The one way an organization comes into existence (signup, the demo seed): the organization
 * row, then its built-in roles (admin, staff, client) as that tenant, all through `manager`,
 * so that they commit or roll back with whatever `then` adds in the same transaction and
 * tenant context (signup's first admin, the seed's users).
 */
export async function createOrganizationWithBuiltInRoles<T>(
  systemScope: SystemScope,
  repositories: { organizations: OrganizationsRepository; roles: RolesRepository },
  manager: EntityManager,
  input: { name: string; subdomain: string },
  then: (created: ProvisionedOrganization) => Promise<T>,
): Promise<T> {
  const organization = await repositories.organizations.insert(
    Object.assign(new Organization(), {
      name: input.name,
      subdomain: input.subdomain,
      status: 'active',
      mfaRequired: 'off',
      settings: {},
    }),
    manager,
  );
  return systemScope.asTenant(organization, 'provision a new organization', async () => {
    const roles = repositories.roles.transactional(manager);
    const created = {} as BuiltInRoles;
    for (const name of BUILT_IN_ROLE_NAMES) created[name] = await roles.insert(builtInRole(name));
    return then({ organization, roles: created });
  });
}
