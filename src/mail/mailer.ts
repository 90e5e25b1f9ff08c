/**
 * The one small interface for sending email. Two adapters: SMTP (nodemailer, production) and
 * files (one .eml per message, the embedded default). Senders use MailDelivery, which adds
 * idempotency on top; the port itself sends every time it is called.
 */
export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
}

export interface Mailer {
  readonly kind: 'smtp' | 'file';
  /** Resolves once the transport accepted the message (SMTP: the server answered 250); throws otherwise. */
  send(message: MailMessage): Promise<{ messageId: string }>;
  close(): Promise<void>;
}

export const MAILER = Symbol('MAILER');

/**
 * The transport did not accept a message (server down, refused, timed out). The message says
 * what failed but never carries the message itself: its links hold single-use tokens.
 */
export class MailTransportError extends Error {
  constructor(
    message: string,
    readonly responseCode?: number,
  ) {
    super(message);
    this.name = 'MailTransportError';
  }
}
