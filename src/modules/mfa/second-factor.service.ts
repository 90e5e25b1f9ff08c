import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { LOGGER } from '../../logging/logger';
import { type MfaOwner, MfaFactorsRepository } from './mfa-factors.repository';
import type { MfaFactor } from './mfa-factor.entity';
import { findRecoveryCode, hashRecoveryCode } from './recovery-codes';
import { SealedSecretError, SecretBox } from './secret-box';
import { matchTotp } from './totp';

export type SecondFactorMethod = 'totp' | 'recovery_code';

/** What a caller presents as the second factor: a TOTP code or a recovery code. */
export interface SecondFactorProof {
  code?: string;
  recoveryCode?: string;
}

/** RFC 8176: a password, then a one-time password (a TOTP code or a single-use recovery code). */
export const PASSWORD_AND_OTP: readonly string[] = ['pwd', 'otp'];

/**
 * Checks a second factor against the owner's active one. Each success is recorded in the same
 * conditional write that decides it: a TOTP code's time step must be later than the last one
 * used (so a code works once, and concurrent uses of one code let exactly one through), and a
 * recovery code leaves the set in a write that only succeeds if the set did not change since.
 */
@Injectable()
export class SecondFactor {
  constructor(
    private readonly factors: MfaFactorsRepository,
    private readonly box: SecretBox,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** The method that matched, or null. */
  async verify(owner: MfaOwner, proof: SecondFactorProof): Promise<SecondFactorMethod | null> {
    const factor = await this.factors.find(owner);
    if (!factor?.enabledAt) return null;
    if (proof.code !== undefined)
      return (await this.verifyTotp(owner, factor, proof.code)) ? 'totp' : null;
    if (proof.recoveryCode !== undefined)
      return (await this.useRecoveryCode(owner, factor, proof.recoveryCode))
        ? 'recovery_code'
        : null;
    return null;
  }

  /** The sealed-secret context: the owner's scope and id, so a secret opens on its own row only. */
  contextOf(owner: MfaOwner): string {
    return `${this.factors.scopeOf(owner, 'context')}:${owner.userId}`;
  }

  private async verifyTotp(owner: MfaOwner, factor: MfaFactor, code: string): Promise<boolean> {
    if (!factor.secret) return false;
    const context = this.contextOf(owner);
    let secret: Buffer;
    try {
      secret = this.box.open(factor.secret, context);
    } catch (error) {
      if (!(error instanceof SealedSecretError)) throw error;
      // Every code of this account fails until the key is back; recovery codes still work.
      this.logger.error({ err: error, userId: owner.userId }, 'a TOTP secret does not open');
      return false;
    }
    const step = matchTotp(secret, code);
    if (step === null) return false;
    // A secret sealed under the previous key moves to the current one on its next use.
    const resealed = this.box.isCurrent(factor.secret) ? undefined : this.box.seal(secret, context);
    return this.factors.claimStep(owner, step, resealed);
  }

  private async useRecoveryCode(
    owner: MfaOwner,
    factor: MfaFactor,
    code: string,
  ): Promise<boolean> {
    const hashes = factor.recoveryCodes ?? [];
    const index = findRecoveryCode(hashes, hashRecoveryCode(owner.userId, code));
    if (index < 0) return false;
    const remaining = hashes.filter((_, position) => position !== index);
    return this.factors.saveRecoveryCodes(owner, factor.version, remaining);
  }
}
