import { Column, Entity, Index, JoinTable, ManyToMany } from 'typeorm';
import { BINARY_COLLATION } from '../../database/collation';
import { type CanonicalEmail, MAX_EMAIL_LENGTH } from '../../security/email';
import { TenantScopedEntity } from '../../tenancy/tenant-scoped.entity';
import { Role } from '../roles/role.entity';

/** What is stored; "expired" is derived from expiresAt (see invitationStatus). */
export type StoredInvitationStatus = 'pending' | 'accepted' | 'revoked';
export const INVITATION_STATUSES = ['pending', 'accepted', 'revoked', 'expired'] as const;
export type InvitationStatus = (typeof INVITATION_STATUSES)[number];

/**
 * An invitation to join the organization with the given roles. The roles are a join table to
 * the roles themselves (not their names as JSON): a renamed role stays on the invitation, and
 * a deleted one drops off it, so an invitation never grants more than its roles do now.
 */
@Entity({ name: 'invitations' })
@Index('uq_invitations_organization_pending_email', ['organizationId', 'pendingEmail'], {
  unique: true,
})
export class Invitation extends TenantScopedEntity {
  @Column({ type: 'varchar', length: MAX_EMAIL_LENGTH, collation: BINARY_COLLATION })
  email!: CanonicalEmail;

  /** The email while pending, null afterwards: one pending invitation per address (unique). */
  @Column({
    name: 'pending_email',
    type: 'varchar',
    length: MAX_EMAIL_LENGTH,
    collation: BINARY_COLLATION,
    nullable: true,
  })
  pendingEmail!: CanonicalEmail | null;

  @Column({ type: 'varchar', length: 16 })
  status!: StoredInvitationStatus;

  @Column({ name: 'invited_by', type: 'varchar', length: 36, nullable: true })
  invitedBy!: string | null;

  /** 1 at creation, +1 per resend; a send job for an older count does nothing. */
  @Column({ name: 'send_count', type: 'int', default: 1 })
  sendCount!: number;

  @Column({ name: 'expires_at', type: 'datetime', precision: 3 })
  expiresAt!: Date;

  @Column({ name: 'accepted_at', type: 'datetime', precision: 3, nullable: true })
  acceptedAt!: Date | null;

  @Column({ name: 'revoked_at', type: 'datetime', precision: 3, nullable: true })
  revokedAt!: Date | null;

  @ManyToMany(() => Role)
  @JoinTable({
    name: 'invitation_roles',
    joinColumn: { name: 'invitation_id', referencedColumnName: 'id' },
    inverseJoinColumn: { name: 'role_id', referencedColumnName: 'id' },
  })
  roles!: Role[];
}

/** The status shown to clients: a pending invitation past its expiry is "expired". */
export function invitationStatus(invitation: Invitation, now = new Date()): InvitationStatus {
  if (invitation.status === 'pending' && invitation.expiresAt.getTime() <= now.getTime())
    return 'expired';
  return invitation.status;
}
