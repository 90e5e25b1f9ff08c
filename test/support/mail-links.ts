import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';

/** What a person reads in a message: enough to find and follow its link. */
export interface ReadableMail {
  to: string[];
  subject: string;
  text: string;
  html: string;
}

/**
 * The token of the message's link to `${appUrl}/<page>?token=...`, read as a person would
 * follow it: from the URL in the text part, which must be the same link the HTML part's
 * button opens. Throws when the message has no such link.
 */
export function tokenFromLink(mail: ReadableMail, appUrl: string, page: string): string {
  const prefix = `${appUrl}/${page}?token=`;
  const link = mail.text.match(/https?:\/\/\S+/g)?.find((url) => url.startsWith(prefix));
  if (!link) throw new Error(`no ${page} link in "${mail.subject}": ${mail.text}`);
  if (!mail.html.includes(`href="${link}"`))
    throw new Error(`the HTML part of "${mail.subject}" does not open ${link}`);
  const token = new URL(link).searchParams.get('token');
  if (!token) throw new Error(`the ${page} link of "${mail.subject}" has no token`);
  return token;
}

/** Every .eml file of the outbox folder (the file transport, SMTP_URL unset), parsed. */
export async function outboxMails(dir: string): Promise<ReadableMail[]> {
  let names: string[];
  try {
    names = readdirSync(dir).filter((name) => name.endsWith('.eml'));
  } catch {
    return [];
  }
  return Promise.all(
    names.sort().map(async (name) => {
      const parsed = await simpleParser(readFileSync(join(dir, name)));
      const to = (Array.isArray(parsed.to) ? parsed.to : parsed.to ? [parsed.to] : []).flatMap(
        (group) => group.value.map((entry) => entry.address ?? ''),
      );
      return {
        to,
        subject: parsed.subject ?? '',
        text: parsed.text ?? '',
        html: typeof parsed.html === 'string' ? parsed.html : '',
      };
    }),
  );
}
