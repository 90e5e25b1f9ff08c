import { createHash, randomBytes } from 'node:crypto';
import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { AppException } from '../../http/app-exception';
import { ErrorCode } from '../../http/error-codes';
import type { CanonicalEmail } from '../../security/email';
import { AccountToken, type AccountTokenPurpose } from './account-token.entity';
import { AccountTokensRepository, type AccountTokenSubjectKey } from './account-tokens.repository';

/** Email verification (of a new account or a new address) links last this long; not configurable. */
export const EMAIL_VERIFICATION_TTL_SECONDS = 48 * 3600;

const TOKEN_BYTES = 32;
/** 32 bytes in base64url, no padding. */
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

export interface AccountTokenSubject {
  userId?: string;
  invitationId?: string;
  /** Where the token is sent (for change-email: the new address). */
  email: CanonicalEmail;
}

/** What a consumed token was issued for. */
export interface AccountTokenRecord {
  id: string;
  organizationId: string;
  purpose: AccountTokenPurpose;
  userId: string | null;
  invitationId: string | null;
  email: CanonicalEmail;
  expiresAt: Date;
}

type TokenErrorCode =
  typeof ErrorCode.TOKEN_INVALID | typeof ErrorCode.TOKEN_EXPIRED | typeof ErrorCode.TOKEN_USED;

const TOKEN_ERRORS: Record<TokenErrorCode, [number, string]> = {
  // Unknown, another purpose and another organization look the same: nothing to probe.
  TOKEN_INVALID: [HttpStatus.BAD_REQUEST, 'The link is not valid'],
  TOKEN_EXPIRED: [HttpStatus.GONE, 'The link has expired; ask for a new one'],
  TOKEN_USED: [HttpStatus.GONE, 'The link was already used or replaced by a newer one'],
};

/** A token was refused; rendered as 400 TOKEN_INVALID or 410 TOKEN_EXPIRED / TOKEN_USED. */
export class AccountTokenError extends AppException {
  constructor(code: TokenErrorCode) {
    super(TOKEN_ERRORS[code][0], code, TOKEN_ERRORS[code][1]);
  }
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/**
 * Single-use, purpose-bound tokens of the current tenant. The raw token exists only in the
 * return value of issue() (to be put into one email); the table holds its SHA-256. Pass a
 * transaction's manager to make issuing, consuming or revoking commit with the change it
 * belongs to: a consume in a transaction that rolls back leaves the token usable.
 */
@Injectable()
export class AccountTokens {
  constructor(
    private readonly tokens: AccountTokensRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** The configured lifetime of a purpose's tokens. */
  ttlSeconds(purpose: AccountTokenPurpose): number {
    switch (purpose) {
      case 'invitation':
        return this.config.accountTokens.invitationTtlSeconds;
      case 'reset-password':
        return this.config.accountTokens.passwordResetTtlSeconds;
      case 'verify-email':
      case 'change-email':
        return EMAIL_VERIFICATION_TTL_SECONDS;
    }
  }

  async issue(
    purpose: AccountTokenPurpose,
    subject: AccountTokenSubject,
    ttlSeconds: number,
    manager?: EntityManager,
  ): Promise<{ token: string; expiresAt: Date }> {
    const subjectKey = requireSubject(purpose, subject);
    if (!Number.isFinite(ttlSeconds) || ttlSeconds <= 0)
      throw new Error('A token needs a positive lifetime');
    const token = randomBytes(TOKEN_BYTES).toString('base64url');
    const expiresAt = new Date(Date.now() + ttlSeconds * 1000);
    await this.repository(manager).insert(
      Object.assign(new AccountToken(), {
        purpose,
        tokenHash: hashToken(token),
        userId: 'userId' in subjectKey ? subjectKey.userId : null,
        invitationId: 'invitationId' in subjectKey ? subjectKey.invitationId : null,
        email: subject.email,
        expiresAt,
        usedAt: null,
      }),
    );
    return { token, expiresAt };
  }

  /**
   * Uses the token up and returns what it was issued for. Atomic: of concurrent calls with
   * one token, exactly one succeeds. Throws AccountTokenError otherwise.
   */
  async consume(
    purpose: AccountTokenPurpose,
    token: string,
    manager?: EntityManager,
  ): Promise<AccountTokenRecord> {
    if (typeof token !== 'string' || !TOKEN_SHAPE.test(token))
      throw new AccountTokenError(ErrorCode.TOKEN_INVALID);
    const tokenHash = hashToken(token);
    const repository = this.repository(manager);
    const now = new Date();
    const won = await repository.markUsed(tokenHash, purpose, now);
    const row = await repository.findByHash(tokenHash);
    if (!row || row.purpose !== purpose) throw new AccountTokenError(ErrorCode.TOKEN_INVALID);
    if (won) return toRecord(row);
    if (!row.usedAt && row.expiresAt.getTime() <= now.getTime())
      throw new AccountTokenError(ErrorCode.TOKEN_EXPIRED);
    // Used, revoked, or taken a moment ago by a concurrent call (whose write this read may not see).
    throw new AccountTokenError(ErrorCode.TOKEN_USED);
  }

  /**
   * What a token was issued for and whether it still works, without using it up (a page that
   * shows what the link will do before the person acts). Null for a token that consume() would
   * call TOKEN_INVALID: unknown, malformed, of another purpose or of another organization.
   */
  async inspect(
    purpose: AccountTokenPurpose,
    token: string,
  ): Promise<{ record: AccountTokenRecord; state: 'live' | 'used' | 'expired' } | null> {
    if (typeof token !== 'string' || !TOKEN_SHAPE.test(token)) return null;
    const row = await this.tokens.findByHash(hashToken(token));
    if (!row || row.purpose !== purpose) return null;
    const state = row.usedAt ? 'used' : row.expiresAt.getTime() <= Date.now() ? 'expired' : 'live';
    return { record: toRecord(row), state };
  }

  /** Kills every live token of this purpose for the user or invitation; returns how many. */
  revoke(
    purpose: AccountTokenPurpose,
    subject: AccountTokenSubjectKey,
    manager?: EntityManager,
  ): Promise<number> {
    return this.repository(manager).markSubjectUsed(purpose, subject, new Date());
  }

  private repository(manager?: EntityManager): AccountTokensRepository {
    return manager ? this.tokens.transactional(manager) : this.tokens;
  }
}

/** An invitation token belongs to the invitation, every other one to a user. */
function requireSubject(
  purpose: AccountTokenPurpose,
  subject: AccountTokenSubject,
): AccountTokenSubjectKey {
  if (!subject.email) throw new Error('A token needs the address it is sent to');
  if (purpose === 'invitation') {
    if (!subject.invitationId || subject.userId)
      throw new Error('An invitation token needs an invitation id and no user id');
    return { invitationId: subject.invitationId };
  }
  if (!subject.userId || subject.invitationId)
    throw new Error(`A ${purpose} token needs a user id and no invitation id`);
  return { userId: subject.userId };
}

function toRecord(row: AccountToken): AccountTokenRecord {
  return {
    id: row.id,
    organizationId: row.organizationId,
    purpose: row.purpose,
    userId: row.userId,
    invitationId: row.invitationId,
    email: row.email,
    expiresAt: row.expiresAt,
  };
}
