import { type AddressObject, type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { freePort } from './throwaway-redis';

/** One message the sink accepted, parsed as a mail client would. */
export interface ReceivedMail {
  /** SMTP envelope recipients (RCPT TO). */
  recipients: string[];
  from: string;
  to: string[];
  subject: string;
  text: string;
  html: string;
  /** Header values by lower-case name. */
  headers: ParsedMail['headers'];
  raw: Buffer;
  /** The AUTH user the message came in under. */
  user: string | undefined;
}

export interface SmtpSinkBehaviour {
  /**
   * Wait this long before answering DATA (a slow relay). A client that goes away meanwhile never
   * learns that the message arrived, so the sink does not keep it, as a relay must not.
   */
  delayMs?: number;
  /** Answer DATA with this SMTP code (e.g. 451 temporary, 550 permanent) instead of 250. */
  refuseWith?: number;
}

export interface SmtpSink {
  readonly port: number;
  readonly user: string;
  readonly password: string;
  /** Value for SMTP_URL, with the sink's credentials. */
  readonly url: string;
  readonly running: boolean;
  /** Every message accepted so far, in order. */
  readonly messages: readonly ReceivedMail[];
  /** Messages received in full and not answered yet (held by `delayMs`). */
  readonly inFlight: number;
  /** Resolves with the first accepted message (already received or still to come) the predicate matches. */
  waitFor(predicate: (mail: ReceivedMail) => boolean, timeoutMs?: number): Promise<ReceivedMail>;
  behave(behaviour: SmtpSinkBehaviour): void;
  /** Closes the port: connections are refused until start(), as with a relay that is down. */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
}

const addresses = (value: AddressObject | AddressObject[] | undefined): string[] =>
  (Array.isArray(value) ? value : value ? [value] : []).flatMap((group) =>
    group.value.map((entry) => entry.address ?? ''),
  );

class SmtpSinkServer implements SmtpSink {
  readonly user = 'sink-user';
  readonly password = `sink-${Math.random().toString(36).slice(2)}`;
  private server: SMTPServer | null = null;
  private behaviour: SmtpSinkBehaviour = {};
  private readonly received: ReceivedMail[] = [];
  private readonly waiters = new Set<() => void>();
  /** Per session held by delayMs: ends the wait when its client disconnects. */
  private readonly held = new Map<string, () => void>();
  private readonly closed = new Set<string>();
  private pending = 0;

  constructor(readonly port: number) {}

  get url(): string {
    return `smtp://${this.user}:${this.password}@127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.server !== null;
  }

  get messages(): readonly ReceivedMail[] {
    return this.received;
  }

  get inFlight(): number {
    return this.pending;
  }

  behave(behaviour: SmtpSinkBehaviour): void {
    this.behaviour = { ...behaviour };
  }

  async start(): Promise<void> {
    if (this.server) return;
    const server = new SMTPServer({
      logger: false,
      // Plain SMTP on 127.0.0.1: no certificate to trust, and AUTH allowed without TLS.
      disabledCommands: ['STARTTLS'],
      allowInsecureAuth: true,
      authMethods: ['PLAIN', 'LOGIN'],
      closeTimeout: 1000,
      onAuth: (auth, _session, callback) => {
        if (auth.username === this.user && auth.password === this.password)
          callback(null, { user: auth.username });
        else callback(Object.assign(new Error('Invalid credentials'), { responseCode: 535 }));
      },
      onClose: (session) => {
        this.closed.add(session.id);
        this.held.get(session.id)?.();
      },
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          void this.accept(Buffer.concat(chunks), session).then(callback, callback);
        });
      },
    });
    server.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  waitFor(predicate: (mail: ReceivedMail) => boolean, timeoutMs = 10_000): Promise<ReceivedMail> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const found = this.received.find(predicate);
        if (!found) return false;
        this.waiters.delete(listener);
        clearTimeout(timer);
        resolve(found);
        return true;
      };
      const listener = (): void => void check();
      const timer = setTimeout(() => {
        this.waiters.delete(listener);
        reject(
          new Error(`No matching mail within ${timeoutMs} ms (${this.received.length} received)`),
        );
      }, timeoutMs);
      if (!check()) this.waiters.add(listener);
    });
  }

  /** Parses and keeps the message; resolves to the error DATA answers with, or nothing for 250. */
  private async accept(
    raw: Buffer,
    session: { id: string; envelope: { rcptTo: { address: string }[] }; user?: unknown },
  ): Promise<Error | undefined> {
    const { delayMs, refuseWith } = this.behaviour;
    if (delayMs) {
      this.pending += 1;
      await new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(timer);
          this.held.delete(session.id);
          resolve();
        };
        const timer = setTimeout(done, delayMs);
        this.held.set(session.id, done);
      });
      this.pending -= 1;
    }
    if (this.closed.has(session.id))
      return new Error('The client left before the answer: not accepted');
    if (refuseWith)
      return Object.assign(new Error(`Refused by the test sink`), { responseCode: refuseWith });
    const parsed = await simpleParser(raw);
    this.received.push({
      recipients: session.envelope.rcptTo.map((rcpt) => rcpt.address),
      from: addresses(parsed.from ? [parsed.from] : undefined)[0] ?? '',
      to: addresses(parsed.to),
      subject: parsed.subject ?? '',
      text: parsed.text ?? '',
      html: typeof parsed.html === 'string' ? parsed.html : '',
      headers: parsed.headers,
      raw,
      user: typeof session.user === 'string' ? session.user : undefined,
    });
    for (const waiter of [...this.waiters]) waiter();
    return undefined;
  }
}

/** Starts an SMTP server on a free port of 127.0.0.1; a lost race for the port is retried. */
export async function startSmtpSink(behaviour: SmtpSinkBehaviour = {}): Promise<SmtpSink> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const sink = new SmtpSinkServer(await freePort());
    sink.behave(behaviour);
    try {
      await sink.start();
      return sink;
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}
