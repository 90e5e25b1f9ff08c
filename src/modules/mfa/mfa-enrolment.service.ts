import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { toDataURL } from 'qrcode';
import type { EntityManager } from 'typeorm';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import type { UserPrincipal } from '../../context/request-context';
import { TransactionRunner } from '../../database/transaction-runner.service';
import { AppException } from '../../http/app-exception';
import { ErrorCode } from '../../http/error-codes';
import { OutboxService } from '../../outbox/outbox.service';
import { AuditAction, type AuditActionCode } from '../audit/audit-actions';
import { AuditService } from '../audit/audit.service';
import { SessionControl } from '../sessions/session-control';
import type {
  MfaStatusResponseDto,
  RecoveryCodesResponseDto,
  SecondFactorDto,
  TotpSetupResponseDto,
} from './dto/mfa.dto';
import { MfaAccounts, wrongCredentials } from './mfa-accounts';
import { type MfaOwner, MfaFactorsRepository } from './mfa-factors.repository';
import { MFA_NOTICE_JOB, type MfaNoticePayload } from './mfa-notice.handler';
import { mfaRequiredOf } from './mfa-policy';
import { hashRecoveryCode, newRecoveryCodes } from './recovery-codes';
import { SecondFactor } from './second-factor.service';
import { SecretBox } from './secret-box';
import { base32, matchTotp, newTotpSecret, otpauthUrl } from './totp';

const ownerOf = (principal: UserPrincipal): MfaOwner => ({
  kind: principal.kind,
  userId: principal.userId,
});
const conflict = (message: string) =>
  new AppException(HttpStatus.CONFLICT, ErrorCode.CONFLICT, message);

/** Exactly one second factor in a request that takes either. */
export function assertOneProof(proof: SecondFactorDto): void {
  if ((proof.code === undefined) === (proof.recoveryCode === undefined))
    throw new AppException(
      HttpStatus.BAD_REQUEST,
      ErrorCode.VALIDATION_ERROR,
      'Validation failed',
      [{ field: 'code', messages: ['send exactly one of code and recoveryCode'] }],
    );
}

/**
 * A principal's own second factor: setup (a pending secret that activates nothing), confirm
 * (the first code turns it on and yields the recovery codes), regenerate the codes, disable.
 * Each change commits with its audit row (and, for a disable, the notice mail's outbox event);
 * sessions are ended and the cached identity dropped after the commit.
 */
@Injectable()
export class MfaEnrolment {
  constructor(
    private readonly factors: MfaFactorsRepository,
    private readonly accounts: MfaAccounts,
    private readonly secondFactor: SecondFactor,
    private readonly box: SecretBox,
    private readonly transactions: TransactionRunner,
    private readonly audit: AuditService,
    private readonly outbox: OutboxService,
    private readonly sessions: SessionControl,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async status(principal: UserPrincipal): Promise<MfaStatusResponseDto> {
    const factor = await this.factors.find(ownerOf(principal));
    return {
      enabled: Boolean(factor?.enabledAt),
      enabledAt: factor?.enabledAt?.toISOString() ?? null,
      setupPending: Boolean(factor?.pendingSecret),
      recoveryCodesRemaining: factor?.enabledAt ? (factor.recoveryCodes ?? []).length : 0,
      required: mfaRequiredOf(principal, this.config.mfa.superuserRequired),
    };
  }

  async setup(principal: UserPrincipal, password: string): Promise<TotpSetupResponseDto> {
    const owner = ownerOf(principal);
    const account = await this.accounts.proven(principal, password);
    if (account.mfaEnabledAt)
      throw conflict('Two-factor authentication is already on; turn it off first to replace it');
    const secret = newTotpSecret();
    await this.factors.savePending(
      owner,
      this.box.seal(secret, this.secondFactor.contextOf(owner)),
    );
    const url = otpauthUrl(
      this.config.mfa.issuer,
      `${account.organizationName} (${account.email})`,
      secret,
    );
    return { secret: base32(secret), otpauthUrl: url, qrCodeDataUrl: await toDataURL(url) };
  }

  async confirm(principal: UserPrincipal, code: string): Promise<RecoveryCodesResponseDto> {
    const owner = ownerOf(principal);
    const factor = await this.factors.find(owner);
    if (factor?.enabledAt) throw conflict('Two-factor authentication is already on');
    const pending = factor?.pendingSecret;
    if (!pending) throw conflict('No setup is waiting: start with POST /api/auth/mfa/totp/setup');
    const step = matchTotp(this.box.open(pending, this.secondFactor.contextOf(owner)), code);
    if (step === null) throw wrongCredentials('The code is wrong: check the time on the device');
    const recoveryCodes = newRecoveryCodes();
    const hashes = recoveryCodes.map((recoveryCode) =>
      hashRecoveryCode(owner.userId, recoveryCode),
    );
    await this.transactions.run(async (manager) => {
      if (!(await this.factors.activate(owner, pending, step, hashes, manager)))
        throw conflict('The setup changed meanwhile: start again');
      await this.accounts.setEnabledAt(owner, new Date(), manager);
      await this.record(principal, AuditAction.MFA_ENABLED, manager);
    });
    await this.sessions.invalidateIdentity(principal.organizationId, principal.userId);
    return { recoveryCodes };
  }

  async regenerateRecoveryCodes(
    principal: UserPrincipal,
    password: string,
    code: string,
  ): Promise<RecoveryCodesResponseDto> {
    const owner = ownerOf(principal);
    await this.accounts.proven(
      principal,
      password,
      async () => (await this.secondFactor.verify(owner, { code })) === 'totp',
    );
    const recoveryCodes = newRecoveryCodes();
    const hashes = recoveryCodes.map((recoveryCode) =>
      hashRecoveryCode(owner.userId, recoveryCode),
    );
    await this.transactions.run(async (manager) => {
      const factor = await this.factors.find(owner, manager);
      if (
        !factor?.enabledAt ||
        !(await this.factors.saveRecoveryCodes(owner, factor.version, hashes, manager))
      )
        throw conflict('The recovery codes changed meanwhile: try again');
      await this.record(principal, AuditAction.MFA_RECOVERY_CODES_REGENERATED, manager);
    });
    return { recoveryCodes };
  }

  /** Turns it off with the password and a second factor; every other session ends. */
  async disable(
    principal: UserPrincipal,
    password: string,
    proof: SecondFactorDto,
  ): Promise<number> {
    assertOneProof(proof);
    const owner = ownerOf(principal);
    await this.accounts.proven(
      principal,
      password,
      async () => (await this.secondFactor.verify(owner, proof)) !== null,
    );
    await this.transactions.run(async (manager) => {
      await this.turnOff(owner, principal.organizationId, 'disabled', manager);
      await this.record(principal, AuditAction.MFA_DISABLED, manager);
    });
    const ended = await this.sessions.endAll(
      principal.organizationId,
      principal.userId,
      principal.sessionId,
    );
    await this.sessions.invalidateIdentity(principal.organizationId, principal.userId);
    return ended;
  }

  /**
   * Removes the owner's factor and clears the flag; for a tenant user, records the notice mail
   * (superusers belong to no organization, and jobs always run as one, so they get none).
   */
  async turnOff(
    owner: MfaOwner,
    organizationId: string,
    how: MfaNoticePayload['how'],
    manager: EntityManager,
  ): Promise<boolean> {
    const removed = await this.factors.remove(owner, manager);
    await this.accounts.setEnabledAt(owner, null, manager);
    if (removed && owner.kind === 'tenant') {
      const payload: MfaNoticePayload = { userId: owner.userId, how, at: new Date().toISOString() };
      await this.outbox.record(manager, { type: MFA_NOTICE_JOB, organizationId, payload });
    }
    return removed;
  }

  private record(principal: UserPrincipal, action: AuditActionCode, manager: EntityManager) {
    return this.audit.record(
      {
        action,
        organizationId: principal.kind === 'platform' ? null : principal.organizationId,
        entityType: principal.kind === 'platform' ? 'superuser' : 'user',
        entityId: principal.userId,
      },
      manager,
    );
  }
}
