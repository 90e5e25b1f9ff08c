import { Writable } from 'node:stream';
import { loadConfig } from '../config/app-config';
import { RequestContext } from '../context/request-context';
import { createLogger, PinoNestLogger } from './logger';

type Line = Record<string, unknown>;

/** A logger writing JSON lines into an array, as in production (NODE_ENV=test skips pino-pretty). */
function capture(): { logger: ReturnType<typeof createLogger>; lines: Line[]; raw: string[] } {
  const lines: Line[] = [];
  const raw: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const text of chunk.toString('utf8').split('\n').filter(Boolean)) {
        raw.push(text);
        lines.push(JSON.parse(text) as Line);
      }
      callback();
    },
  });
  const logger = createLogger(loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'debug' }), destination);
  return { logger, lines, raw };
}

const SECRETS = [
  'Bearer eyJhbGciOiJIUzI1NiJ9.secret',
  'refresh_token=abc123secret',
  'hunter2-password',
  'tok-secret-value',
];

describe('createLogger', () => {
  it('redacts authorization and cookie headers of a logged request and response', () => {
    const { logger, lines, raw } = capture();
    logger.info(
      {
        req: {
          method: 'POST',
          headers: { authorization: SECRETS[0], cookie: SECRETS[1], 'user-agent': 'jest' },
        },
        res: { headers: { 'set-cookie': SECRETS[1] } },
      },
      'request',
    );
    expect(lines[0]).toMatchObject({
      req: {
        method: 'POST',
        headers: { authorization: '[redacted]', cookie: '[redacted]', 'user-agent': 'jest' },
      },
      res: { headers: { 'set-cookie': '[redacted]' } },
    });
    for (const secret of SECRETS.slice(0, 2)) expect(raw[0]).not.toContain(secret);
  });

  it('redacts passwords and tokens at the top level and one level down', () => {
    const { logger, lines, raw } = capture();
    logger.warn(
      {
        password: SECRETS[2],
        token: SECRETS[3],
        body: {
          email: 'a@example.com',
          password: SECRETS[2],
          newPassword: SECRETS[2],
          refreshToken: SECRETS[3],
        },
        user: { id: 'u1', passwordHash: '$2b$12$hashhashhash' },
        headers: { authorization: SECRETS[0] },
      },
      'login failed',
    );
    expect(lines[0]).toMatchObject({
      password: '[redacted]',
      token: '[redacted]',
      body: {
        email: 'a@example.com',
        password: '[redacted]',
        newPassword: '[redacted]',
        refreshToken: '[redacted]',
      },
      user: { id: 'u1', passwordHash: '[redacted]' },
      headers: { authorization: '[redacted]' },
    });
    for (const secret of [...SECRETS, '$2b$12$hashhashhash']) expect(raw[0]).not.toContain(secret);
  });

  it('redacts secrets nested up to three levels deep', () => {
    const { logger, lines, raw } = capture();
    logger.info(
      { req: { body: { password: SECRETS[2], profile: { refreshToken: SECRETS[3] } } } },
      'nested',
    );
    expect(lines[0]).toMatchObject({
      req: { body: { password: '[redacted]', profile: { refreshToken: '[redacted]' } } },
    });
    for (const secret of SECRETS.slice(2, 4)) expect(raw[0]).not.toContain(secret);
  });

  it('adds the request id of the current request context to every line', () => {
    const { logger, lines } = capture();
    RequestContext.run({ requestId: 'req-123' }, () => {
      logger.info('inside');
      logger.child({ component: 'db' }).debug('nested');
    });
    logger.info('outside');
    expect(lines.map((line) => [line.msg, line.requestId])).toEqual([
      ['inside', 'req-123'],
      ['nested', 'req-123'],
      ['outside', undefined],
    ]);
  });

  it('adds the reason of a system scope to every line written inside it', () => {
    const { logger, lines } = capture();
    const systemScope = { reason: 'identity rebuild', crossTenant: false };
    RequestContext.run({ requestId: 'req-7', systemScope }, () => logger.info('inside'));
    RequestContext.run({ requestId: 'req-8' }, () => logger.info('request'));
    expect(lines.map((line) => [line.msg, line.requestId, line.systemScope])).toEqual([
      ['inside', 'req-7', 'identity rebuild'],
      ['request', 'req-8', undefined],
    ]);
  });

  it('writes JSON with a level, an ISO time and the message', () => {
    const { logger, lines } = capture();
    logger.error({ err: new Error('boom') }, 'failed');
    expect(lines[0]).toMatchObject({
      level: 50,
      msg: 'failed',
      err: { message: 'boom', type: 'Error' },
    });
    expect(new Date(String(lines[0].time)).toISOString()).toBe(lines[0].time);
  });
});

describe('PinoNestLogger', () => {
  function nestLogger(): { nest: PinoNestLogger; lines: Line[]; raw: string[] } {
    const { logger, lines, raw } = capture();
    return { nest: new PinoNestLogger(logger), lines, raw };
  }

  function failure(): Error {
    const error = new Error('boom');
    expect(error.stack).toMatch(/\n\s+at /);
    return error;
  }

  it('writes a string message with its context', () => {
    const { nest, lines } = nestLogger();
    nest.log('Nest application successfully started', 'NestApplication');
    nest.warn('no context');
    expect(lines[0]).toMatchObject({
      level: 30,
      msg: 'Nest application successfully started',
      context: 'NestApplication',
    });
    expect(lines[1]).toMatchObject({ level: 40, msg: 'no context' });
    expect(lines[1]).not.toHaveProperty('context');
  });

  it('merges an object message into the line instead of printing [object Object]', () => {
    const { nest, lines, raw } = nestLogger();
    nest.log({ event: 'cache.miss', userId: 'u1', attempts: 2 }, 'IdentityService');
    expect(lines[0]).toMatchObject({
      level: 30,
      event: 'cache.miss',
      userId: 'u1',
      attempts: 2,
      context: 'IdentityService',
    });
    expect(raw[0]).not.toContain('[object Object]');
  });

  it('redacts the secrets of an object message', () => {
    const { nest, lines, raw } = nestLogger();
    nest.debug({ email: 'a@example.com', password: SECRETS[2] });
    expect(lines[0]).toMatchObject({ email: 'a@example.com', password: '[redacted]' });
    expect(raw[0]).not.toContain(SECRETS[2]);
  });

  it('writes every extra parameter, one line each, with the trailing context', () => {
    const { nest, lines } = nestLogger();
    nest.log('first', { second: true }, 'Ctx');
    expect(lines).toEqual([
      expect.objectContaining({ msg: 'first', context: 'Ctx' }),
      expect.objectContaining({ second: true, context: 'Ctx' }),
    ]);
  });

  it('keeps the stack of an Error message', () => {
    const { nest, lines } = nestLogger();
    const error = failure();
    nest.error(error, 'ExceptionsHandler');
    expect(lines[0]).toMatchObject({
      level: 50,
      msg: 'boom',
      context: 'ExceptionsHandler',
      err: { type: 'Error', message: 'boom', stack: error.stack },
    });
  });

  it('keeps the stack passed after the message, with or without a context', () => {
    const { nest, lines } = nestLogger();
    const { stack } = failure();
    nest.error('request failed', stack, 'ExceptionsHandler');
    nest.error('request failed', stack);
    nest.error('request failed', 'JustAContext');
    expect(lines).toEqual([
      expect.objectContaining({ msg: 'request failed', stack, context: 'ExceptionsHandler' }),
      expect.objectContaining({ msg: 'request failed', stack }),
      expect.objectContaining({ msg: 'request failed', context: 'JustAContext' }),
    ]);
    expect(lines[1]).not.toHaveProperty('context');
    expect(lines[2]).not.toHaveProperty('stack');
  });
});
