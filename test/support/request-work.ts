import type { INestApplication } from '@nestjs/common';
import { type BeforeQueryEvent, DataSource, type EntitySubscriberInterface } from 'typeorm';
import { RequestContext } from '../../src/context/request-context';
import { KV_STORE, type KeyValueStore } from '../../src/kv/kv-store';

type KvMethod = Exclude<keyof KeyValueStore, 'kind' | 'close'>;

const KV_METHODS: readonly KvMethod[] = [
  'get',
  'getMany',
  'set',
  'setIfAbsent',
  'delete',
  'increment',
  'ttl',
  'expire',
  'getAndDelete',
  'compareAndSet',
  'setAdd',
  'setRemove',
  'setMembers',
  'runScript',
  'ping',
];

export interface RequestWork {
  /** The SQL statements (text, not parameters) and store calls one request made, in order. */
  of(requestId: string): string[];
  stop(): void;
}

/**
 * Records, for each request id, the work the server did inside that request's context: every
 * SQL statement through a TypeORM subscriber and every key-value call through the store the
 * services hold. Jobs run in contexts of their own, so what they do after the answer is left out.
 */
export function recordRequestWork(app: INestApplication): RequestWork {
  const work = new Map<string, string[]>();
  const note = (entry: string): void => {
    const requestId = RequestContext.current()?.requestId;
    if (!requestId) return;
    const entries = work.get(requestId) ?? [];
    entries.push(entry);
    work.set(requestId, entries);
  };
  const dataSource = app.get(DataSource);
  const subscriber: EntitySubscriberInterface = {
    beforeQuery: (event: BeforeQueryEvent<unknown>) => note(`sql ${event.query}`),
  };
  dataSource.subscribers.push(subscriber);
  const store = app.get<KeyValueStore>(KV_STORE);
  const spies = KV_METHODS.map((method) => {
    const original = store[method].bind(store) as (...args: unknown[]) => unknown;
    const spy = jest.spyOn(store, method).mockImplementation(((...args: unknown[]) => {
      const script = method === 'runScript' ? ` ${(args[0] as { name: string }).name}` : '';
      note(`kv ${method}${script}`);
      return original(...args);
    }) as never);
    return spy;
  });
  return {
    of: (requestId) => work.get(requestId) ?? [],
    stop: () => {
      dataSource.subscribers.splice(dataSource.subscribers.indexOf(subscriber), 1);
      for (const spy of spies) spy.mockRestore();
    },
  };
}
