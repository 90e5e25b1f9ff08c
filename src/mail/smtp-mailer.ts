import { createTransport, type Transporter } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport';
import { type Mailer, type MailMessage, MailTransportError } from './mailer';

/** Bounded waits, so a job on a dead relay fails (and is retried) instead of hanging for minutes. */
const TIMEOUTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 };

/**
 * Sends through an SMTP relay given as a URL (smtp:// upgrades with STARTTLS when the server
 * offers it, smtps:// is TLS from the start). nodemailer's own logger stays off: it would print
 * the message, and the links in it carry tokens.
 */
export class SmtpMailer implements Mailer {
  readonly kind = 'smtp';
  private readonly transport: Transporter<SMTPTransport.SentMessageInfo>;

  constructor(url: string, from: string) {
    const options: SMTPTransport.Options = {
      url,
      ...TIMEOUTS,
      logger: false,
      debug: false,
      disableFileAccess: true,
      disableUrlAccess: true,
    };
    this.transport = createTransport(options, { from });
  }

  async send(message: MailMessage): Promise<{ messageId: string }> {
    try {
      const info = await this.transport.sendMail(message);
      // A refused recipient rejects the promise above; an empty accept list is a refusal too.
      if (info.accepted.length === 0)
        throw new MailTransportError(`SMTP server accepted no recipient: ${info.response}`);
      return { messageId: info.messageId };
    } catch (error) {
      if (error instanceof MailTransportError) throw error;
      const source = error as { message?: string; code?: string; responseCode?: number };
      throw new MailTransportError(
        `SMTP delivery failed${source.code ? ` (${source.code})` : ''}: ${source.message ?? 'unknown error'}`,
        source.responseCode,
      );
    }
  }

  close(): Promise<void> {
    this.transport.close();
    return Promise.resolve();
  }
}
