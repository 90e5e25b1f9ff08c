import { describeKeyValueStoreContract } from './kv-store.contract';
import { MemoryKeyValueStore } from './memory-kv-store';

describeKeyValueStoreContract('MemoryKeyValueStore', () => new MemoryKeyValueStore());
