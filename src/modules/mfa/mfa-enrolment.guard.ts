import {
  type CanActivate,
  type ExecutionContext,
  HttpStatus,
  Inject,
  Injectable,
  SetMetadata,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { RequestContext } from '../../context/request-context';
import { AppException } from '../../http/app-exception';
import { ErrorCode } from '../../http/error-codes';
import { mfaEnrolmentRequired } from './mfa-policy';

export const ALLOWED_BEFORE_MFA_ENROLMENT = 'mfa:allowed-before-enrolment';

/** A route a principal who must enrol may still call: the enrolment itself, who am I, sign out. */
export const AllowedBeforeMfaEnrolment = () => SetMetadata(ALLOWED_BEFORE_MFA_ENROLMENT, true);

/**
 * The second global guard, after AccessGuard: a principal whom the policy requires to use
 * two-factor authentication and who has not set it up reaches only the routes marked
 * `@AllowedBeforeMfaEnrolment()`; everything else is 403 MFA_ENROLMENT_REQUIRED. It reads the
 * principal AccessGuard resolved (from the session cache, which a policy change invalidates),
 * so a policy switched on restricts signed-in users from their next request.
 */
@Injectable()
export class MfaEnrolmentGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    // Public routes have no principal; every other route got one from AccessGuard or was refused.
    const principal = RequestContext.current()?.principal;
    if (!principal) return true;
    if (!mfaEnrolmentRequired(principal, this.config.mfa.superuserRequired)) return true;
    const allowed = this.reflector.getAllAndOverride<boolean | undefined>(
      ALLOWED_BEFORE_MFA_ENROLMENT,
      [context.getHandler(), context.getClass()],
    );
    if (allowed) return true;
    throw new AppException(
      HttpStatus.FORBIDDEN,
      ErrorCode.MFA_ENROLMENT_REQUIRED,
      'Two-factor authentication is required: set it up first (POST /api/auth/mfa/totp/setup)',
    );
  }
}
