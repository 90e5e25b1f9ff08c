import { Column, Entity } from 'typeorm';
import { BaseEntity } from '../../database/base.entity';

export type OrganizationStatus = 'active' | 'suspended';

/** Who must use two-factor authentication: nobody, holders of the admin role, or everyone. */
export const MFA_POLICIES = ['off', 'admins', 'everyone'] as const;
export type MfaPolicy = (typeof MFA_POLICIES)[number];

export interface OrganizationSettings {
  [key: string]: string | number | boolean | null;
}

@Entity({ name: 'organizations' })
export class Organization extends BaseEntity {
  @Column({ type: 'varchar', length: 255 })
  name!: string;

  /** Unique lowercase slug; the unique index is what makes concurrent signups safe. */
  @Column({ type: 'varchar', length: 63, unique: true })
  subdomain!: string;

  @Column({ type: 'varchar', length: 16, default: 'active' })
  status!: OrganizationStatus;

  /** When true, users whose email is not verified cannot sign in (403 EMAIL_NOT_VERIFIED). */
  @Column({ name: 'require_verified_email', type: 'boolean', default: false })
  requireVerifiedEmail!: boolean;

  /** Members it covers who have no second factor can only enrol (403 MFA_ENROLMENT_REQUIRED). */
  @Column({ name: 'mfa_required', type: 'varchar', length: 16, default: 'off' })
  mfaRequired!: MfaPolicy;

  @Column({ type: 'simple-json', nullable: true })
  settings!: OrganizationSettings | null;
}
