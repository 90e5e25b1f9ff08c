import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import type { AccountPage } from '../../src/mail/templates/account-emails';
import type { SmtpSink } from './smtp-sink';
import { sleep } from './time';

/** A received message as the tests read it, from the SMTP sink or from an .eml file. */
export interface Mail {
  to: string[];
  subject: string;
  text: string;
  html: string;
}

/**
 * The token of the link to `page` in a message, read as a person follows it: the link of the
 * text part, which the HTML part's button must point to as well.
 */
export function linkToken(mail: Mail, page: AccountPage): string {
  const link = new RegExp(`https?://[^\\s"<>]+/${page}\\?token=([A-Za-z0-9_%-]+)`).exec(mail.text);
  if (!link) throw new Error(`No ${page} link in "${mail.subject}"`);
  if (!mail.html.includes(`href="${link[0]}"`))
    throw new Error(`The HTML part of "${mail.subject}" does not link to ${link[0]}`);
  return decodeURIComponent(link[1]);
}

/** Every .eml file of the outbox folder (SMTP_URL unset), oldest first. */
export async function readOutbox(dir: string): Promise<Mail[]> {
  const names = (await readdir(dir).catch(() => [])).filter((name) => name.endsWith('.eml'));
  return Promise.all(
    names.sort().map(async (name) => {
      const parsed = await simpleParser(await readFile(join(dir, name)));
      const to = parsed.to && !Array.isArray(parsed.to) ? parsed.to.value : [];
      return {
        to: to.map((entry) => entry.address ?? ''),
        subject: parsed.subject ?? '',
        text: parsed.text ?? '',
        html: typeof parsed.html === 'string' ? parsed.html : '',
      };
    }),
  );
}

/** Where a test receives mail: the SMTP sink, or the .eml folder of the embedded default. */
export type Inbox = { sink: SmtpSink } | { outboxDir: string };

/** The messages to an address so far, oldest first. */
export async function mailsTo(inbox: Inbox, address: string): Promise<Mail[]> {
  const all = 'sink' in inbox ? [...inbox.sink.messages] : await readOutbox(inbox.outboxDir);
  return all.filter((mail) => mail.to.includes(address));
}

/** Waits until `count` messages reached the address; returns them, oldest first. */
export async function waitForMails(
  inbox: Inbox,
  address: string,
  count = 1,
  timeoutMs = 10_000,
): Promise<Mail[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const mails = await mailsTo(inbox, address);
    if (mails.length >= count) return mails;
    if (Date.now() > deadline)
      throw new Error(`${mails.length} of ${count} mails to ${address} within ${timeoutMs} ms`);
    await sleep(25);
  }
}
