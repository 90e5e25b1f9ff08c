import { MemoryKeyValueStore } from '../../kv/memory-kv-store';
import { describeSessionStore } from './session-store.contract';

describeSessionStore('the in-process store', () => new MemoryKeyValueStore());
