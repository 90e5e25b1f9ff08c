import type { MigrationInterface } from 'typeorm';
import { CreateIdentityTables1764086400000 } from './1764086400000-CreateIdentityTables';
import { CreateProducts1764172800000 } from './1764172800000-CreateProducts';
import { CreateSuperusers1764259200000 } from './1764259200000-CreateSuperusers';
import { RoleNameKeys1764432000000 } from './1764432000000-RoleNameKeys';
import { CanonicalEmails1796160126376 } from './1796160126376-CanonicalEmails';
import { EmailVerification1796172946813 } from './1796172946813-EmailVerification';
import { CreateMailDeliveries1796173291093 } from './1796173291093-CreateMailDeliveries';
import { CreateAccountTokens1796173292181 } from './1796173292181-CreateAccountTokens';
import { CreateOutboxEvents1796173633248 } from './1796173633248-CreateOutboxEvents';
import { CreateInvitations1796175846826 } from './1796175846826-CreateInvitations';
import { CreateApiKeys1796176041874 } from './1796176041874-CreateApiKeys';
import { TwoFactorAuthentication1796176303888 } from './1796176303888-TwoFactorAuthentication';

/** Every migration in order. A unit test fails when a file in this folder is missing here. */
export const MIGRATIONS: (new () => MigrationInterface)[] = [
  CreateIdentityTables1764086400000,
  CreateProducts1764172800000,
  CreateSuperusers1764259200000,
  RoleNameKeys1764432000000,
  CanonicalEmails1796160126376,
  EmailVerification1796172946813,
  CreateMailDeliveries1796173291093,
  CreateAccountTokens1796173292181,
  CreateOutboxEvents1796173633248,
  CreateInvitations1796175846826,
  CreateApiKeys1796176041874,
  TwoFactorAuthentication1796176303888,
];
