import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';

/** The frontend base URL the lifecycle tests configure (APP_URL): links must start with it. */
export const TEST_APP_URL = 'https://app.example.test';

/** What a person reads in a message, from the SMTP sink or from an .eml file. */
export interface ReadableMail {
  to: string[];
  subject: string;
  text: string;
  html: string;
}

/**
 * The token of the `${TEST_APP_URL}/<page>?token=...` link, as a person clicking it would get
 * it: read from the plain-text part, and the HTML part must link to the same address.
 */
export function linkToken(mail: ReadableMail, page: string): string {
  const prefix = `${TEST_APP_URL}/${page}?token=`;
  const link = mail.text.split(/\s+/).find((word) => word.startsWith(prefix));
  if (!link) throw new Error(`no ${page} link in "${mail.subject}":\n${mail.text}`);
  if (!mail.html.includes(`href="${link}"`))
    throw new Error(`the HTML part of "${mail.subject}" does not link to ${link}`);
  return decodeURIComponent(new URL(link).searchParams.get('token') ?? '');
}

/** Every token a message links to (any page), to look for them where they must never be. */
export function tokensIn(mail: ReadableMail): string[] {
  return [...mail.text.matchAll(/[?&]token=([^\s&"<>]+)/g)].map(([, token]) =>
    decodeURIComponent(token),
  );
}

/** The messages the file transport wrote (MAIL_OUTBOX_DIR), parsed as a mail client would. */
export async function readEmlOutbox(dir: string): Promise<ReadableMail[]> {
  const files = readdirSync(dir)
    .filter((name) => name.endsWith('.eml'))
    .sort();
  return Promise.all(
    files.map(async (name) => {
      const parsed = await simpleParser(readFileSync(join(dir, name)));
      const to = Array.isArray(parsed.to) ? parsed.to : parsed.to ? [parsed.to] : [];
      return {
        to: to.flatMap((group) => group.value.map((entry) => entry.address ?? '')),
        subject: parsed.subject ?? '',
        text: parsed.text ?? '',
        html: typeof parsed.html === 'string' ? parsed.html : '',
      };
    }),
  );
}
