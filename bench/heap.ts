/**
 * The heap of the API process after a forced full GC, asked for over the IPC channel that
 * bench/servers.ts opens to every server (answered by bench/api-server.ts).
 */
import type { Server } from './servers';

export const HEAP_REQUEST = 'heap-after-gc';
const HEAP_TIMEOUT_MS = 30_000;

/** Bytes, as process.memoryUsage() reports them. */
export interface HeapSample {
  heapUsed: number;
  heapTotal: number;
  rss: number;
  external: number;
}

type HeapAnswer = { heap: HeapSample } | { heapError: string };

const isHeapAnswer = (message: unknown): message is HeapAnswer =>
  typeof message === 'object' && message !== null && ('heap' in message || 'heapError' in message);

export function heapAfterGc(server: Server): Promise<HeapSample> {
  const { child } = server;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.off('message', onMessage);
      reject(
        new Error(`${server.name} did not report its heap within ${HEAP_TIMEOUT_MS / 1000} s`),
      );
    }, HEAP_TIMEOUT_MS);
    function onMessage(message: unknown): void {
      if (!isHeapAnswer(message)) return;
      clearTimeout(timer);
      child.off('message', onMessage);
      if ('heap' in message) resolve(message.heap);
      else reject(new Error(`${server.name}: ${message.heapError}`));
    }
    child.on('message', onMessage);
    child.send(HEAP_REQUEST);
  });
}
