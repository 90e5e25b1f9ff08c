import type { MailMessage } from '../mailer';
import { button, formatUtc, html, layout, oneLine } from './html';

/** The frontend pages that email links open; each receives the token as `?token=`. */
export const ACCOUNT_PAGES = {
  acceptInvitation: 'accept-invitation',
  verifyEmail: 'verify-email',
  resetPassword: 'reset-password',
} as const;
export type AccountPage = (typeof ACCOUNT_PAGES)[keyof typeof ACCOUNT_PAGES];

interface Addressed {
  to: string;
  organizationName: string;
}

export interface InvitationEmail extends Addressed {
  inviterName: string;
  token: string;
  expiresAt: Date;
}

export interface VerifyEmailEmail extends Addressed {
  firstName: string;
  token: string;
  expiresAt: Date;
  /** True when confirming a new address of an existing account, false for a new account. */
  emailChange: boolean;
}

export interface ResetPasswordEmail extends Addressed {
  firstName: string;
  token: string;
  expiresAt: Date;
}

export interface EmailChangedEmail extends Addressed {
  firstName: string;
  newEmail: string;
  /** False: the change was requested and waits for the new address to be confirmed; true: it applied. */
  applied: boolean;
}

export interface PasswordChangedEmail extends Addressed {
  firstName: string;
  changedAt: Date;
}

export interface MfaDisabledEmail extends Addressed {
  firstName: string;
  /** `disabled`: by the user, with their password and a code; `reset`: by an administrator. */
  how: 'disabled' | 'reset';
  at: Date;
}

/**
 * The account emails, plain text and HTML. Every value a user chose (organization and person
 * names, addresses) is escaped in the HTML part by the `html` tag; subjects are one line.
 * Links are exactly `${appUrl}/<page>?token=<token>`; appUrl comes validated from APP_URL.
 */
export class AccountEmails {
  constructor(private readonly appUrl: string) {}

  link(page: AccountPage, token: string): string {
    return `${this.appUrl}/${page}?token=${encodeURIComponent(token)}`;
  }

  invitation(input: InvitationEmail): MailMessage {
    const link = this.link(ACCOUNT_PAGES.acceptInvitation, input.token);
    const org = input.organizationName;
    const expires = formatUtc(input.expiresAt);
    return message(input, `You are invited to join ${org}`, {
      text: [
        `${input.inviterName} invited you to join ${org}.`,
        `Accept the invitation and choose your password here:\n${link}`,
        `The link works once and expires on ${expires}. If you did not expect this invitation, ignore this email.`,
      ],
      html: html`<p>${input.inviterName} invited you to join <strong>${org}</strong>.</p>
        ${button(link, 'Accept the invitation')}
        <p>
          The link works once and expires on ${expires}. If you did not expect this invitation,
          ignore this email.
        </p>`,
    });
  }

  verifyEmail(input: VerifyEmailEmail): MailMessage {
    const link = this.link(ACCOUNT_PAGES.verifyEmail, input.token);
    const expires = formatUtc(input.expiresAt);
    const what = input.emailChange
      ? `confirm ${input.to} as the new email address of your account`
      : 'confirm your email address';
    return message(input, `${input.organizationName}: confirm your email address`, {
      text: [
        `Hello ${input.firstName},`,
        `Please ${what} at ${input.organizationName}:\n${link}`,
        `The link works once and expires on ${expires}. If you did not ask for this, ignore this email.`,
      ],
      html: html`<p>Hello ${input.firstName},</p>
        <p>Please ${what} at <strong>${input.organizationName}</strong>.</p>
        ${button(link, 'Confirm the address')}
        <p>
          The link works once and expires on ${expires}. If you did not ask for this, ignore this
          email.
        </p>`,
    });
  }

  resetPassword(input: ResetPasswordEmail): MailMessage {
    const link = this.link(ACCOUNT_PAGES.resetPassword, input.token);
    const expires = formatUtc(input.expiresAt);
    return message(input, `${input.organizationName}: reset your password`, {
      text: [
        `Hello ${input.firstName},`,
        `Someone asked to reset the password of your ${input.organizationName} account. Choose a new one here:\n${link}`,
        `The link works once and expires on ${expires}. If it was not you, ignore this email: your password stays as it is.`,
      ],
      html: html`<p>Hello ${input.firstName},</p>
        <p>
          Someone asked to reset the password of your
          <strong>${input.organizationName}</strong> account.
        </p>
        ${button(link, 'Choose a new password')}
        <p>
          The link works once and expires on ${expires}. If it was not you, ignore this email: your
          password stays as it is.
        </p>`,
    });
  }

  emailChanged(input: EmailChangedEmail): MailMessage {
    const org = input.organizationName;
    const [subject, status, note] = input.applied
      ? [`${org}: your email address was changed`, 'was changed to', 'You now sign in with it.']
      : [
          `${org}: your email address is being changed`,
          'is being changed to',
          'It changes once the new address is confirmed.',
        ];
    return message(input, subject, {
      text: [
        `Hello ${input.firstName},`,
        `The email address of your ${org} account ${status} ${input.newEmail}. ${note}`,
        'If you did not ask for this, change your password now and contact your administrator.',
      ],
      html: html`<p>Hello ${input.firstName},</p>
        <p>
          The email address of your <strong>${org}</strong> account ${status}
          <strong>${input.newEmail}</strong>. ${note}
        </p>
        <p>
          If you did not ask for this, change your password now and contact your administrator.
        </p>`,
    });
  }

  passwordChanged(input: PasswordChangedEmail): MailMessage {
    const when = formatUtc(input.changedAt);
    return message(input, `${input.organizationName}: your password was changed`, {
      text: [
        `Hello ${input.firstName},`,
        `The password of your ${input.organizationName} account was changed on ${when}, and your other sessions were signed out.`,
        'If it was not you, reset your password now and contact your administrator.',
      ],
      html: html`<p>Hello ${input.firstName},</p>
        <p>
          The password of your <strong>${input.organizationName}</strong> account was changed on
          ${when}, and your other sessions were signed out.
        </p>
        <p>If it was not you, reset your password now and contact your administrator.</p>`,
    });
  }

  mfaDisabled(input: MfaDisabledEmail): MailMessage {
    const org = input.organizationName;
    const when = formatUtc(input.at);
    const what =
      input.how === 'reset'
        ? `An administrator reset the two-factor authentication of your ${org} account on ${when}`
        : `Two-factor authentication of your ${org} account was turned off on ${when}`;
    return message(input, `${org}: two-factor authentication was turned off`, {
      text: [
        `Hello ${input.firstName},`,
        `${what}, and your other sessions were signed out. You now sign in with your password alone until you set it up again.`,
        'If it was not you, change your password now and contact your administrator.',
      ],
      html: html`<p>Hello ${input.firstName},</p>
        <p>
          ${what}, and your other sessions were signed out. You now sign in with your password alone
          until you set it up again.
        </p>
        <p>If it was not you, change your password now and contact your administrator.</p>`,
    });
  }
}

function message(
  input: Addressed,
  subject: string,
  body: { text: string[]; html: ReturnType<typeof html> },
): MailMessage {
  const title = oneLine(subject);
  return {
    to: input.to,
    subject: title,
    text: `${body.text.join('\n\n')}\n`,
    html: layout(title, body.html),
  };
}
