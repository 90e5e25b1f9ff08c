import { randomUUID } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createTransport, type Transporter } from 'nodemailer';
import type StreamTransport from 'nodemailer/lib/stream-transport';
import type { Logger } from 'pino';
import type { Mailer, MailMessage } from './mailer';

/** Every http(s) link of a plain-text body. */
export function linksOf(text: string): string[] {
  return text.match(/https?:\/\/[^\s<>"]+/g) ?? [];
}

/**
 * The embedded default (SMTP_URL unset): each message becomes an .eml file in the outbox
 * folder, and one log line names the file and its links so a developer can follow them.
 * That line holds single-use tokens, which is why this mode is for development only and
 * production requires SMTP_URL; the SMTP adapter never logs a link.
 */
export class FileMailer implements Mailer {
  readonly kind = 'file';
  private readonly composer: Transporter<StreamTransport.SentMessageInfo>;
  private readonly dir: string;

  constructor(
    dir: string,
    from: string,
    private readonly logger: Logger,
  ) {
    this.dir = resolve(dir);
    // The stream transport composes exactly what SMTP would send, into a buffer.
    this.composer = createTransport(
      {
        streamTransport: true,
        buffer: true,
        newline: 'windows',
        disableFileAccess: true,
        disableUrlAccess: true,
      },
      { from },
    );
  }

  async send(message: MailMessage): Promise<{ messageId: string }> {
    const info = await this.composer.sendMail(message);
    const raw = info.message as Buffer;
    await mkdir(this.dir, { recursive: true });
    const name = `${new Date().toISOString().replace(/[:.]/g, '-')}-${randomUUID()}.eml`;
    const file = join(this.dir, name);
    // Written under a temporary name and renamed, so a reader never sees half a message.
    await writeFile(`${file}.tmp`, raw);
    await rename(`${file}.tmp`, file);
    this.logger.info(
      { mailFile: file, to: message.to, subject: message.subject, links: linksOf(message.text) },
      'mail written to the outbox folder (SMTP_URL is unset)',
    );
    return { messageId: info.messageId };
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
