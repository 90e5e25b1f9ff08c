import { Column, Entity } from 'typeorm';
import { BaseEntity } from '../../database/base.entity';

export type OrganizationStatus = 'active' | 'suspended';

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

  @Column({ type: 'simple-json', nullable: true })
  settings!: OrganizationSettings | null;
}
