import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { simpleParser } from 'mailparser';
import pino from 'pino';
import { FileMailer, linksOf } from './file-mailer';
import { AccountEmails } from './templates/account-emails';

describe('FileMailer (SMTP_URL unset)', () => {
  let dir: string;
  let lines: Record<string, unknown>[];
  let mailer: FileMailer;
  const message = new AccountEmails('http://localhost:5173').resetPassword({
    to: 'ada@example.com',
    organizationName: 'Acme <Labs>',
    firstName: 'Ada',
    token: 'the-token_123',
    expiresAt: new Date('2026-03-01T09:30:00Z'),
  });

  beforeEach(() => {
    dir = join(mkdtempSync(join(tmpdir(), 'file-mailer-')), 'outbox');
    lines = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
        callback();
      },
    });
    mailer = new FileMailer(
      dir,
      'Acme <no-reply@example.com>',
      pino({ base: undefined }, destination),
    );
  });
  afterEach(() => rmSync(join(dir, '..'), { recursive: true, force: true }));

  it('writes each message as one .eml file a mail parser reads back', async () => {
    const { messageId } = await mailer.send(message);
    const files = readdirSync(dir);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/\.eml$/);
    const parsed = await simpleParser(readFileSync(join(dir, files[0])));
    expect(parsed.messageId).toBe(messageId);
    expect(parsed.subject).toBe('Acme <Labs>: reset your password');
    expect(parsed.from?.value).toEqual([{ name: 'Acme', address: 'no-reply@example.com' }]);
    expect(parsed.to && !Array.isArray(parsed.to) ? parsed.to.text : '').toBe('ada@example.com');
    expect(parsed.text).toContain('http://localhost:5173/reset-password?token=the-token_123');
    expect(parsed.html).toContain('Acme &lt;Labs&gt;');
  });

  it('writes one file per message, never overwriting', async () => {
    await Promise.all([mailer.send(message), mailer.send(message), mailer.send(message)]);
    expect(readdirSync(dir).filter((file) => file.endsWith('.eml'))).toHaveLength(3);
  });

  it('logs one line per message with its file and its links', async () => {
    await mailer.send(message);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      to: 'ada@example.com',
      links: ['http://localhost:5173/reset-password?token=the-token_123'],
    });
    expect(readdirSync(dir).map((file) => join(dir, file))).toEqual([lines[0].mailFile]);
  });

  it('finds the links of a text body', () => {
    expect(linksOf('a https://x.test/a?token=1 b\nhttp://y.test/\n')).toEqual([
      'https://x.test/a?token=1',
      'http://y.test/',
    ]);
  });
});
