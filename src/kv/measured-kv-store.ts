import { performance } from 'node:perf_hooks';
import type { Histogram } from 'prom-client';
import type { KeyValueStore, KvScript, ScriptValue } from './kv-store';

type Operation = Exclude<keyof KeyValueStore, 'kind' | 'close'>;

/**
 * The store with every call timed into `kv_operation_duration_seconds`, by operation; a script
 * is labelled with its name (a constant of the code, so the label set stays small). Failed
 * calls are timed too: a slow timeout is exactly what the histogram should show.
 */
export class MeasuredKeyValueStore implements KeyValueStore {
  readonly kind: KeyValueStore['kind'];

  constructor(
    private readonly inner: KeyValueStore,
    private readonly duration: Histogram<'operation'>,
  ) {
    this.kind = inner.kind;
  }

  get(key: string): Promise<string | null> {
    return this.time('get', () => this.inner.get(key));
  }

  getMany(keys: string[]): Promise<(string | null)[]> {
    return this.time('getMany', () => this.inner.getMany(keys));
  }

  set(key: string, value: string, ttlSeconds?: number): Promise<void> {
    return this.time('set', () => this.inner.set(key, value, ttlSeconds));
  }

  setIfAbsent(key: string, value: string, ttlSeconds?: number): Promise<boolean> {
    return this.time('setIfAbsent', () => this.inner.setIfAbsent(key, value, ttlSeconds));
  }

  delete(...keys: string[]): Promise<number> {
    return this.time('delete', () => this.inner.delete(...keys));
  }

  increment(key: string, ttlSeconds: number): Promise<{ value: number; ttlSeconds: number }> {
    return this.time('increment', () => this.inner.increment(key, ttlSeconds));
  }

  ttl(key: string): Promise<number> {
    return this.time('ttl', () => this.inner.ttl(key));
  }

  expire(key: string, ttlSeconds: number): Promise<boolean> {
    return this.time('expire', () => this.inner.expire(key, ttlSeconds));
  }

  getAndDelete(key: string): Promise<string | null> {
    return this.time('getAndDelete', () => this.inner.getAndDelete(key));
  }

  compareAndSet(
    key: string,
    expected: string | null,
    next: string,
    ttlSeconds?: number,
  ): Promise<boolean> {
    return this.time('compareAndSet', () =>
      this.inner.compareAndSet(key, expected, next, ttlSeconds),
    );
  }

  setAdd(key: string, members: string[], ttlSeconds?: number): Promise<number> {
    return this.time('setAdd', () => this.inner.setAdd(key, members, ttlSeconds));
  }

  setRemove(key: string, members: string[]): Promise<number> {
    return this.time('setRemove', () => this.inner.setRemove(key, members));
  }

  setMembers(key: string): Promise<string[]> {
    return this.time('setMembers', () => this.inner.setMembers(key));
  }

  runScript<R extends ScriptValue>(
    script: KvScript<R>,
    keys: string[],
    args: (string | number)[],
  ): Promise<R> {
    return this.time(`script:${script.name}`, () => this.inner.runScript(script, keys, args));
  }

  ping(): Promise<void> {
    return this.time('ping', () => this.inner.ping());
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  /**
   * The clock starts before the call, so the in-process store's synchronous work counts too.
   * Not async: the observation rides on the call's own promise, with no second one around it
   * on every key-value call of every request.
   */
  private time<T>(operation: Operation | `script:${string}`, call: () => Promise<T>): Promise<T> {
    const start = performance.now();
    const observe = (): void =>
      this.duration.observe({ operation }, (performance.now() - start) / 1000);
    // The stores' methods are async: a failure, however early, is a rejection observed here.
    return call().then(
      (value) => {
        observe();
        return value;
      },
      (error: unknown) => {
        observe();
        throw error;
      },
    );
  }
}
