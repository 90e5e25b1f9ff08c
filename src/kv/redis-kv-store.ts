import { createHash } from 'node:crypto';
import {
  type KeyValueStore,
  type KvScript,
  KvUnavailableError,
  type ScriptValue,
  toMilliseconds,
} from './kv-store';
import { assertOneSlot } from './key-slot';
import {
  createRedisClient,
  describeRedisConnection,
  type RedisClient,
  type RedisConnection,
} from './redis-connection';
import { COMPARE_AND_SET, INCREMENT_WITH_TTL } from './scripts';

export interface RedisStoreOptions {
  connection: RedisConnection;
  keyPrefix: string;
  /** Per-command deadline; a hung Redis fails requests instead of stalling them. */
  commandTimeoutMs?: number;
  connectTimeoutMs?: number;
}

/** Reply errors that mean "Redis cannot serve right now" rather than "the command is wrong". */
const UNAVAILABLE_REPLIES = /^(LOADING|BUSY|MASTERDOWN|READONLY|CLUSTERDOWN|TRYAGAIN)/;

/** ioredis rejects with a ReplyError when Redis answered with an error reply. */
function isReplyError(error: unknown): error is Error {
  return error instanceof Error && error.name === 'ReplyError';
}

/** A command's error as callers see it: a wrong command as is, anything else as "unavailable". */
function unavailableOr(error: unknown): Error {
  return isReplyError(error) && !UNAVAILABLE_REPLIES.test(error.message)
    ? error
    : new KvUnavailableError(error);
}

export class RedisKeyValueStore implements KeyValueStore {
  readonly kind = 'redis' as const;
  private readonly client: RedisClient;
  private readonly scriptShas = new Map<string, string>();

  constructor(private readonly options: RedisStoreOptions) {
    this.client = createRedisClient(options.connection, {
      lazyConnect: true,
      // Fail fast: no command waits in a queue for a Redis that is not there.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectTimeout: options.connectTimeoutMs ?? 2000,
      commandTimeout: options.commandTimeoutMs ?? 2000,
      // Reconnect forever in the background, backing off to one try every 2 seconds.
      retryStrategy: (attempt) => Math.min(attempt * 100, 2000),
      // disconnect() waits this long for a 'close' event even when the socket is already dead
      // (failed connect, Redis down); the default 2 s timer kept test processes alive.
      disconnectTimeout: 200,
    });
    // Connection errors surface on the commands; without a listener ioredis would log them unhandled.
    this.client.on('error', () => undefined);
  }

  /** Opens the connection; boot fails when Redis cannot be reached, naming where and why. */
  async connect(): Promise<void> {
    // ioredis rejects connect() with a bare "Connection is closed."; the reason (ECONNREFUSED,
    // ENOTFOUND, an auth error) only arrives as an 'error' event.
    let reason: unknown;
    const remember = (error: unknown): void => {
      reason ??= error;
    };
    this.client.on('error', remember);
    try {
      await this.client.connect();
    } catch (error) {
      this.client.disconnect();
      const cause = reason ?? error;
      // Duck-typed: socket errors can come from another realm (Jest's sandbox), where instanceof fails.
      const detail =
        typeof cause === 'object' && cause !== null && 'message' in cause
          ? String(cause.message)
          : String(cause);
      throw new KvUnavailableError(
        cause,
        `Cannot connect to ${describeRedisConnection(this.options.connection)}: ${detail}`,
      );
    } finally {
      this.client.off('error', remember);
    }
  }

  private key(key: string): string {
    return this.options.keyPrefix + key;
  }

  private async call<T>(command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch (error) {
      throw unavailableOr(error);
    }
  }

  get(key: string): Promise<string | null> {
    return this.call(() => this.client.get(this.key(key)));
  }

  async getMany(keys: string[]): Promise<(string | null)[]> {
    if (keys.length === 0) return [];
    assertOneSlot(keys);
    return this.call(() => this.client.mget(keys.map((key) => this.key(key))));
  }

  async set(key: string, value: string, ttlSeconds?: number): Promise<void> {
    await this.call(() =>
      ttlSeconds === undefined
        ? this.client.set(this.key(key), value)
        : this.client.set(this.key(key), value, 'PX', toMilliseconds(ttlSeconds)),
    );
  }

  async setIfAbsent(key: string, value: string, ttlSeconds?: number): Promise<boolean> {
    const reply = await this.call(() =>
      ttlSeconds === undefined
        ? this.client.set(this.key(key), value, 'NX')
        : this.client.set(this.key(key), value, 'PX', toMilliseconds(ttlSeconds), 'NX'),
    );
    return reply === 'OK';
  }

  async delete(...keys: string[]): Promise<number> {
    if (keys.length === 0) return 0;
    assertOneSlot(keys);
    return this.call(() => this.client.del(...keys.map((key) => this.key(key))));
  }

  async increment(key: string, ttlSeconds: number): Promise<{ value: number; ttlSeconds: number }> {
    const [value, ttlMs] = await this.runScript(
      INCREMENT_WITH_TTL,
      [key],
      [toMilliseconds(ttlSeconds)],
    );
    return { value, ttlSeconds: ttlMs / 1000 };
  }

  async ttl(key: string): Promise<number> {
    const ms = await this.call(() => this.client.pttl(this.key(key)));
    return ms < 0 ? ms : ms / 1000;
  }

  async expire(key: string, ttlSeconds: number): Promise<boolean> {
    return (
      (await this.call(() => this.client.pexpire(this.key(key), toMilliseconds(ttlSeconds)))) === 1
    );
  }

  getAndDelete(key: string): Promise<string | null> {
    return this.call(() => this.client.getdel(this.key(key)));
  }

  async compareAndSet(
    key: string,
    expected: string | null,
    next: string,
    ttlSeconds?: number,
  ): Promise<boolean> {
    const ttlMs = ttlSeconds === undefined ? 0 : toMilliseconds(ttlSeconds);
    const args = [expected ?? '', next, ttlMs, expected === null ? '1' : '0'];
    return (await this.runScript(COMPARE_AND_SET, [key], args)) === 1;
  }

  async setAdd(key: string, members: string[], ttlSeconds?: number): Promise<number> {
    if (members.length === 0) return 0;
    const prefixed = this.key(key);
    const replies = await this.call(() => {
      const pipeline = this.client.multi().sadd(prefixed, ...members);
      if (ttlSeconds !== undefined) pipeline.pexpire(prefixed, toMilliseconds(ttlSeconds));
      return pipeline.exec();
    });
    const [error, added] = replies?.[0] ?? [null, 0];
    if (error) throw error;
    return Number(added);
  }

  setRemove(key: string, members: string[]): Promise<number> {
    if (members.length === 0) return Promise.resolve(0);
    return this.call(() => this.client.srem(this.key(key), ...members));
  }

  setMembers(key: string): Promise<string[]> {
    return this.call(() => this.client.smembers(this.key(key)));
  }

  // One async frame per script run, not three (call() around a try/await): this runs on
  // every authenticated request.
  async runScript<R extends ScriptValue>(
    script: KvScript<R>,
    keys: string[],
    args: (string | number)[],
  ): Promise<R> {
    assertOneSlot(keys);
    const prefixedKeys = keys.map((key) => this.key(key));
    try {
      try {
        return (await this.client.evalsha(
          this.scriptSha(script),
          prefixedKeys.length,
          ...prefixedKeys,
          ...args,
        )) as R;
      } catch (error) {
        if (!isReplyError(error) || !error.message.startsWith('NOSCRIPT')) throw error;
        return (await this.client.eval(
          script.lua,
          prefixedKeys.length,
          ...prefixedKeys,
          ...args,
        )) as R;
      }
    } catch (error) {
      throw unavailableOr(error);
    }
  }

  private scriptSha(script: KvScript<ScriptValue>): string {
    let sha = this.scriptShas.get(script.lua);
    if (!sha) {
      sha = createHash('sha1').update(script.lua).digest('hex');
      this.scriptShas.set(script.lua, sha);
    }
    return sha;
  }

  async ping(): Promise<void> {
    await this.call(() => this.client.ping());
  }

  async close(): Promise<void> {
    try {
      await this.client.quit();
    } catch {
      this.client.disconnect();
    }
  }
}
