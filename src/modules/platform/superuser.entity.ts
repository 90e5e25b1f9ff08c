import { Column, Entity } from 'typeorm';
import { BaseEntity } from '../../database/base.entity';

/** Platform operators: they stand outside every tenant and only reach `@PlatformOnly()` routes. */
@Entity({ name: 'superusers' })
export class Superuser extends BaseEntity {
  @Column({ type: 'varchar', length: 320, unique: true })
  email!: string;

  @Column({ name: 'password_hash', type: 'varchar', length: 60, select: false })
  passwordHash!: string;

  @Column({ name: 'last_login_at', type: 'datetime', precision: 3, nullable: true })
  lastLoginAt!: Date | null;
}

/** The pseudo-organization id platform sessions carry; no organization row has it (ids are UUIDs). */
export const PLATFORM_ID = 'platform';
