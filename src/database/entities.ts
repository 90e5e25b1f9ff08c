import { MailDeliveryRecord } from '../mail/mail-delivery.entity';
import { AccountToken } from '../modules/account-tokens/account-token.entity';
import { MfaFactor } from '../modules/mfa/mfa-factor.entity';
import { OutboxEvent } from '../outbox/outbox-event.entity';
import { AuditLog } from '../modules/audit/audit-log.entity';
import { Invitation } from '../modules/invitations/invitation.entity';
import { Organization } from '../modules/organizations/organization.entity';
import { Superuser } from '../modules/platform/superuser.entity';
import { Product } from '../modules/products/product.entity';
import { Role } from '../modules/roles/role.entity';
import { User } from '../modules/users/user.entity';
import { ApiKey } from '../modules/api-keys/api-key.entity';

/** Every entity of the app, listed once so the app and the CLIs agree. */
export const ENTITIES = [
  Organization,
  User,
  Role,
  AuditLog,
  Product,
  Superuser,
  AccountToken,
  MailDeliveryRecord,
  OutboxEvent,
  Invitation,
  ApiKey,
  MfaFactor,
];
