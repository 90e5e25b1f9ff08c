/**
 * The bare counterpart of the API for `npm run bench`: plain Fastify, no Nest, doing the
 * minimum work each benchmarked route needs. It reads the same environment as the API
 * (loadConfig), so it checks tokens with the same key, issuer and audience, runs the same
 * Lua script on the same Redis keys, and queries the same database through a pool of the
 * same size. Started by bench/servers.ts as a child process; it reports its port over IPC.
 *
 *   GET  /api/auth/me        JWT verify + CHECK_ACCESS (one EVALSHA, the session and the
 *                            general rate limits, whose RateLimit headers it sends) + JSON
 *   GET  /api/products       JWT verify + CHECK_ACCESS + the page SELECT and COUNT
 *   POST /api/auth/login     user lookup by tenant subdomain and email + bcrypt.compare,
 *                            at most HASH_CONCURRENCY at once
 */
import { createHash } from 'node:crypto';
import * as bcrypt from 'bcrypt';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import Redis from 'ioredis';
import { type JwtPayload, verify } from 'jsonwebtoken';
import { createPool, type RowDataPacket } from 'mysql2/promise';
import { loadConfig } from '../src/config/app-config';
import { readProcessEnv } from '../src/config/env';
import { CHECK_ACCESS } from '../src/modules/sessions/session.scripts';
import { buildJwtKey } from '../src/modules/auth/jwt-key';
import { Semaphore } from '../src/security/semaphore';
import type { CachedIdentity } from '../src/context/identity';
import { verdictOf } from '../src/rate-limit/gcra';
import { rateLimitHeaders } from '../src/rate-limit/rate-limit-response';
import { checkAccessCall } from './check-access';
import { LOGIN_LOOKUP_SQL, PRODUCT_COUNT_SQL, PRODUCT_PAGE_SQL } from './queries';

interface ProductRow extends RowDataPacket {
  id: string;
  organization_id: string;
  name: string;
  sku: string;
  price: string;
  description: string | null;
  status: string;
  created_at: Date;
  updated_at: Date;
  created_by: string | null;
  updated_by: string | null;
}

interface CountRow extends RowDataPacket {
  total: number | string;
}

interface UserRow extends RowDataPacket {
  id: string;
  password_hash: string;
  status: string;
}

async function main(): Promise<void> {
  const config = loadConfig(readProcessEnv());
  const redisConnection = config.redis.connection;
  if (config.database.type !== 'mysql' || redisConnection?.kind !== 'single')
    throw new Error('The bare server needs DATABASE_URL (mysql) and REDIS_URL');

  const key = buildJwtKey(config.jwt.secret);
  const verifyOptions = {
    algorithms: ['HS256' as const],
    issuer: config.jwt.issuer,
    audience: config.jwt.audience,
  };
  const redis = new Redis(redisConnection.url, {
    enableOfflineQueue: true,
    maxRetriesPerRequest: 1,
  });
  const checkAccessSha = createHash('sha1').update(CHECK_ACCESS.lua).digest('hex');
  const pool = createPool({
    uri: config.database.url,
    connectionLimit: config.database.poolSize,
    charset: 'utf8mb4_unicode_ci',
    timezone: 'Z',
    supportBigNumbers: true,
    bigNumberStrings: true,
  });
  const hashes = new Semaphore(config.hashConcurrency);

  const unauthorized = (reply: FastifyReply) =>
    reply.code(401).send({
      success: false,
      error: 'UNAUTHORIZED',
      message: 'Missing, invalid or revoked access token',
    });

  type CheckAccessReply = [string, string | undefined, number[]];

  async function evalCheckAccess(
    keys: string[],
    args: (string | number)[],
  ): Promise<CheckAccessReply> {
    try {
      return (await redis.evalsha(
        checkAccessSha,
        keys.length,
        ...keys,
        ...args,
      )) as CheckAccessReply;
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return (await redis.eval(
        CHECK_ACCESS.lua,
        keys.length,
        ...keys,
        ...args,
      )) as CheckAccessReply;
    }
  }

  /** Token check and session check: what every authenticated route of the API does first. */
  async function authenticate(
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<CachedIdentity | null> {
    const header = request.headers.authorization;
    if (!header?.startsWith('Bearer ')) return null;
    let claims: JwtPayload;
    try {
      claims = verify(header.slice(7), key, verifyOptions) as JwtPayload;
    } catch {
      return null;
    }
    const { sub, sid, jti, organizationId } = claims as JwtPayload & {
      sid?: string;
      organizationId?: string;
    };
    if (claims.typ !== 'access' || !sub || !sid || !jti || !organizationId) return null;
    const claimed = { sub, sid, jti, organizationId };
    const call = checkAccessCall(config, claimed, Date.now(), { ip: request.ip });
    const [state, cached, limits] = await evalCheckAccess(call.keys, call.args);
    // The API's RateLimit headers, of the bucket with the fewest requests left.
    const verdict = verdictOf(limits, call.policies);
    if (verdict) void reply.headers(rateLimitHeaders(verdict));
    if (state !== 'ok' || typeof cached !== 'string') return null;
    const identity = JSON.parse(cached) as CachedIdentity;
    return identity.user.status === 'active' && identity.organization.status === 'active'
      ? identity
      : null;
  }

  const app = Fastify({ logger: false });

  app.get('/api/auth/me', async (request, reply) => {
    const identity = await authenticate(request, reply);
    if (!identity) return unauthorized(reply);
    return {
      success: true,
      data: {
        user: {
          ...identity.user,
          permissions: identity.permissions,
          organizationId: identity.organization.id,
        },
        organization: identity.organization,
      },
      message: 'OK',
    };
  });

  app.get<{ Querystring: { limit?: string; page?: string } }>(
    '/api/products',
    async (request, reply) => {
      const identity = await authenticate(request, reply);
      if (!identity) return unauthorized(reply);
      if (!identity.permissions.includes('products.read'))
        return reply.code(403).send({ success: false, error: 'FORBIDDEN' });
      const limit = Math.min(100, Math.max(1, Number(request.query.limit ?? 20) || 20));
      const page = Math.max(1, Number(request.query.page ?? 1) || 1);
      const organizationId = identity.organization.id;
      const [rows] = await pool.query<ProductRow[]>(PRODUCT_PAGE_SQL, [
        organizationId,
        limit,
        (page - 1) * limit,
      ]);
      const [[count]] = await pool.query<CountRow[]>(PRODUCT_COUNT_SQL, [organizationId]);
      const total = Number(count.total);
      return {
        success: true,
        data: rows.map((row) => ({
          id: row.id,
          organizationId: row.organization_id,
          name: row.name,
          sku: row.sku,
          price: row.price,
          description: row.description,
          status: row.status,
          createdAt: row.created_at.toISOString(),
          updatedAt: row.updated_at.toISOString(),
          createdBy: row.created_by,
          updatedBy: row.updated_by,
        })),
        pagination: { page, limit, total, totalPages: Math.ceil(total / limit) },
        message: 'OK',
      };
    },
  );

  app.post<{ Body: { email?: unknown; password?: unknown } }>(
    '/api/auth/login',
    async (request, reply) => {
      const { email, password } = request.body ?? {};
      const tenant = request.headers['x-tenant-id'];
      if (typeof email !== 'string' || typeof password !== 'string' || typeof tenant !== 'string') {
        return reply.code(400).send({ success: false, error: 'VALIDATION_ERROR' });
      }
      const [users] = await pool.query<UserRow[]>(LOGIN_LOOKUP_SQL, [
        tenant.toLowerCase(),
        email.trim().toLowerCase(),
      ]);
      const user = users[0];
      const matches = user
        ? await hashes.run(() => bcrypt.compare(password, user.password_hash))
        : false;
      if (!user || !matches || user.status !== 'active') {
        return reply.code(401).send({ success: false, error: 'INVALID_CREDENTIALS' });
      }
      return { success: true, data: { userId: user.id }, message: 'Logged in' };
    },
  );

  await redis.ping();
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  process.send?.({ port });

  process.once('SIGTERM', () => {
    void app
      .close()
      .then(() => Promise.all([pool.end(), redis.quit()]))
      .finally(() => process.exit(0));
  });
}

main().catch((error: unknown) => {
  process.stderr.write(
    `bare server failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
