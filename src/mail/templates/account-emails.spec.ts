import { AccountEmails } from './account-emails';
import { escapeHtml } from './html';

const APP_URL = 'https://app.example.com/portal';
const emails = new AccountEmails(APP_URL);
const expiresAt = new Date('2026-03-01T09:30:00.000Z');
const HOSTILE = '<script>alert("x")</script> & Co\'s';
const TOKEN = 'abc-DEF_123';

/** Every rendering, with a hostile value in each field a user chose. */
const RENDERED = {
  invitation: emails.invitation({
    to: 'new@example.com',
    organizationName: HOSTILE,
    inviterName: `<b>Eve</b>`,
    token: TOKEN,
    expiresAt,
  }),
  verifyEmail: emails.verifyEmail({
    to: '"<img src=x>"@example.com',
    organizationName: HOSTILE,
    firstName: '<i>Ada</i>',
    token: TOKEN,
    expiresAt,
    emailChange: true,
  }),
  resetPassword: emails.resetPassword({
    to: 'ada@example.com',
    organizationName: HOSTILE,
    firstName: '<i>Ada</i>',
    token: TOKEN,
    expiresAt,
  }),
  emailChanged: emails.emailChanged({
    to: 'old@example.com',
    organizationName: HOSTILE,
    firstName: '<i>Ada</i>',
    newEmail: '<new>@example.com',
    applied: false,
  }),
  passwordChanged: emails.passwordChanged({
    to: 'ada@example.com',
    organizationName: HOSTILE,
    firstName: '<i>Ada</i>',
    changedAt: expiresAt,
  }),
  mfaDisabled: emails.mfaDisabled({
    to: 'ada@example.com',
    organizationName: HOSTILE,
    firstName: '<i>Ada</i>',
    how: 'reset',
    at: expiresAt,
  }),
};

describe('account emails', () => {
  it.each(Object.entries(RENDERED))('%s escapes every user-chosen value in its HTML', (_, mail) => {
    expect(mail.html).not.toMatch(/<script|<b>|<i>|<img|<new>/);
    expect(mail.html).toContain(escapeHtml(HOSTILE));
    expect(mail.html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co&#39;s');
  });

  it.each(Object.entries(RENDERED))(
    '%s names the organization in a one-line subject and the text part',
    (_, mail) => {
      expect(mail.subject).toContain(HOSTILE);
      expect(mail.subject).not.toMatch(/[\r\n]/);
      expect(mail.text).toContain(HOSTILE);
      expect(mail.html).toContain('<!doctype html>');
    },
  );

  it('gives each email its subject', () => {
    expect(Object.fromEntries(Object.entries(RENDERED).map(([k, m]) => [k, m.subject]))).toEqual({
      invitation: `You are invited to join ${HOSTILE}`,
      verifyEmail: `${HOSTILE}: confirm your email address`,
      resetPassword: `${HOSTILE}: reset your password`,
      emailChanged: `${HOSTILE}: your email address is being changed`,
      passwordChanged: `${HOSTILE}: your password was changed`,
      mfaDisabled: `${HOSTILE}: two-factor authentication was turned off`,
    });
    const applied = emails.emailChanged({
      to: 'old@example.com',
      organizationName: 'Acme',
      firstName: 'Ada',
      newEmail: 'new@example.com',
      applied: true,
    });
    expect(applied.subject).toBe('Acme: your email address was changed');
  });

  it('keeps a subject on one line, whatever the organization name holds', () => {
    const mail = emails.resetPassword({
      to: 'ada@example.com',
      organizationName: 'Acme\r\nBcc: victim@example.com',
      firstName: 'Ada',
      token: TOKEN,
      expiresAt,
    });
    expect(mail.subject).toBe('Acme Bcc: victim@example.com: reset your password');
  });

  it.each([
    ['invitation', 'accept-invitation'],
    ['verifyEmail', 'verify-email'],
    ['resetPassword', 'reset-password'],
  ] as const)('%s links exactly to ${APP_URL}/%s?token=<token>', (name, page) => {
    const link = `${APP_URL}/${page}?token=${TOKEN}`;
    const mail = RENDERED[name];
    expect(mail.text).toContain(`\n${link}\n`);
    expect(mail.text.match(/https?:\/\/\S+/g)).toEqual([link]);
    expect(mail.html).toContain(`href="${link}"`);
  });

  it('URL-encodes the token in a link', () => {
    expect(emails.link('reset-password', 'a+b/c=')).toBe(
      `${APP_URL}/reset-password?token=a%2Bb%2Fc%3D`,
    );
  });

  it('sends the notices without any link', () => {
    for (const mail of [RENDERED.emailChanged, RENDERED.passwordChanged, RENDERED.mfaDisabled]) {
      expect(mail.text).not.toMatch(/https?:\/\//);
      expect(mail.html).not.toMatch(/href=/);
    }
  });

  it('states expiry and change times in UTC', () => {
    expect(RENDERED.resetPassword.text).toContain('2026-03-01 09:30 UTC');
    expect(RENDERED.passwordChanged.text).toContain('2026-03-01 09:30 UTC');
    expect(RENDERED.mfaDisabled.text).toContain('2026-03-01 09:30 UTC');
  });

  it('says who turned two-factor authentication off', () => {
    expect(RENDERED.mfaDisabled.text).toContain('An administrator reset the two-factor');
    const bySelf = emails.mfaDisabled({
      to: 'ada@example.com',
      organizationName: 'Acme',
      firstName: 'Ada',
      how: 'disabled',
      at: expiresAt,
    });
    expect(bySelf.text).toContain('Two-factor authentication of your Acme account was turned off');
  });

  it('addresses each message to its recipient', () => {
    expect(RENDERED.emailChanged.to).toBe('old@example.com');
    expect(RENDERED.invitation.to).toBe('new@example.com');
  });
});
