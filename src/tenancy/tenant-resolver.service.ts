import { Inject, Injectable } from '@nestjs/common';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import type { TenantRef } from '../context/request-context';
import { TenantDirectory } from './tenant-directory';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface TenantHint {
  /** An organization id or subdomain, exactly as the request gave it. */
  value: string;
  source: 'header' | 'subdomain';
}

/** Finds the organization a request names, before or besides its access token. */
@Injectable()
export class TenantResolver {
  constructor(
    private readonly organizations: TenantDirectory,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** X-Tenant-ID wins over the Host subdomain; undefined when the request names no tenant. */
  hint(headers: Record<string, string | string[] | undefined>): TenantHint | undefined {
    const header = headers['x-tenant-id'];
    if (typeof header === 'string' && header.trim())
      return { value: header.trim().toLowerCase(), source: 'header' };
    const subdomain = this.subdomainOf(typeof headers.host === 'string' ? headers.host : undefined);
    return subdomain ? { value: subdomain, source: 'subdomain' } : undefined;
  }

  /** `acme.example.com` with base domain `example.com` gives `acme`; the bare domain and `www` give none. */
  subdomainOf(host: string | undefined): string | undefined {
    if (!host) return undefined;
    const hostname = host.toLowerCase().replace(/:\d+$/, '');
    const suffix = `.${this.config.tenantBaseDomain}`;
    if (!hostname.endsWith(suffix)) return undefined;
    const label = hostname.slice(0, -suffix.length);
    return label && !label.includes('.') && label !== 'www' ? label : undefined;
  }

  /** Whether a hint names this organization, by id or subdomain. */
  names(hint: TenantHint, organization: { id: string; subdomain: string }): boolean {
    return hint.value === organization.id.toLowerCase() || hint.value === organization.subdomain;
  }

  resolve(hint: TenantHint): Promise<TenantRef | null> {
    return UUID.test(hint.value)
      ? this.organizations.findById(hint.value)
      : this.organizations.findBySubdomain(hint.value);
  }
}
