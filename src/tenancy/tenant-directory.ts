import type { TenantRef } from '../context/request-context';

/**
 * The port tenant resolution looks organizations up through. Tenancy is infrastructure and
 * cannot depend on the organizations feature, which provides this (OrganizationsModule).
 */
export abstract class TenantDirectory {
  abstract findById(id: string): Promise<TenantRef | null>;
  abstract findBySubdomain(subdomain: string): Promise<TenantRef | null>;
}
