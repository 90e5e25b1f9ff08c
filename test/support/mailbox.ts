import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import type { SmtpSink } from './smtp-sink';
import { sleep } from './time';

/** The frontend base URL the lifecycle tests configure (APP_URL): links must start with it. */
export const TEST_APP_URL = 'https://app.example.test';

/** A received message as a person reads it, from the SMTP sink or from an .eml file. */
export interface Mail {
  to: string[];
  subject: string;
  text: string;
  html: string;
}

/**
 * The token of the message's link to `page`, read as a person follows it: the URL in the text
 * part, which the HTML part's button must open as well. With `appUrl`, the link must start with
 * it. Throws when the message has no such link.
 */
export function linkToken(mail: Mail, page: string, appUrl?: string): string {
  const link = mail.text
    .match(/https?:\/\/[^\s"<>]+/g)
    ?.find((url) => new URL(url).pathname.endsWith(`/${page}`) && url.includes('?token='));
  if (!link) throw new Error(`no ${page} link in "${mail.subject}":\n${mail.text}`);
  if (appUrl !== undefined && !link.startsWith(`${appUrl}/${page}?token=`))
    throw new Error(`the ${page} link of "${mail.subject}" does not start with ${appUrl}: ${link}`);
  if (!mail.html.includes(`href="${link}"`))
    throw new Error(`the HTML part of "${mail.subject}" does not link to ${link}`);
  const token = new URL(link).searchParams.get('token');
  if (!token) throw new Error(`the ${page} link of "${mail.subject}" has no token`);
  return token;
}

/** Every token a message links to (any page), to look for them where they must never be. */
export function tokensIn(mail: Mail): string[] {
  return [...mail.text.matchAll(/[?&]token=([^\s&"<>]+)/g)].map(([, token]) =>
    decodeURIComponent(token),
  );
}

/** Every .eml file of the outbox folder (the file transport, SMTP_URL unset), oldest first. */
export async function readOutbox(dir: string): Promise<Mail[]> {
  const names = (await readdir(dir).catch(() => [])).filter((name) => name.endsWith('.eml'));
  return Promise.all(
    names.sort().map(async (name) => {
      const parsed = await simpleParser(await readFile(join(dir, name)));
      const groups = Array.isArray(parsed.to) ? parsed.to : parsed.to ? [parsed.to] : [];
      return {
        to: groups.flatMap((group) => group.value.map((entry) => entry.address ?? '')),
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
