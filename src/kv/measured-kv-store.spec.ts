import { Metrics } from '../metrics/metrics';
import { describeKeyValueStoreContract } from './kv-store.contract';
import { MeasuredKeyValueStore } from './measured-kv-store';
import { MemoryKeyValueStore } from './memory-kv-store';
import { COMPARE_AND_SET } from './scripts';

const newMetrics = () => new Metrics({ metrics: { enabled: false, host: '127.0.0.1', port: 0 } });

// The decorator changes nothing the store promises.
describeKeyValueStoreContract(
  'MeasuredKeyValueStore over MemoryKeyValueStore',
  () => new MeasuredKeyValueStore(new MemoryKeyValueStore(), newMetrics().kvDuration),
);

describe('MeasuredKeyValueStore', () => {
  const countOf = async (metrics: Metrics, operation: string) =>
    (await metrics.kvDuration.get()).values.find(
      (value) =>
        value.metricName === 'kv_operation_duration_seconds_count' &&
        value.labels.operation === operation,
    )?.value ?? 0;

  it('times each call by operation, a script by its name, failed calls included', async () => {
    const metrics = newMetrics();
    const inner = new MemoryKeyValueStore();
    const store = new MeasuredKeyValueStore(inner, metrics.kvDuration);
    await store.set('a', '1');
    await store.get('a');
    await store.get('b');
    await store.runScript(COMPARE_AND_SET, ['a'], ['1', '2', 0]);
    jest.spyOn(inner, 'ttl').mockRejectedValueOnce(new Error('down'));
    await expect(store.ttl('a')).rejects.toThrow('down');
    expect({
      set: await countOf(metrics, 'set'),
      get: await countOf(metrics, 'get'),
      script: await countOf(metrics, `script:${COMPARE_AND_SET.name}`),
      ttl: await countOf(metrics, 'ttl'),
    }).toEqual({ set: 1, get: 2, script: 1, ttl: 1 });
    expect(store.kind).toBe('memory');
    await store.close();
  });
});
