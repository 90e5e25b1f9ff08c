/**
 * What the benchmark created (database, Redis keys, server processes) is undone on every exit:
 * success, failure and SIGINT/SIGTERM alike.
 */
const cleanups: { name: string; run: () => Promise<unknown> }[] = [];
let cleaningUp: Promise<void> | null = null;

export function onCleanup(name: string, run: () => Promise<unknown>): void {
  cleanups.push({ name, run });
}

/** Runs every cleanup once, newest first; a failing one does not stop the others. */
export function cleanUp(): Promise<void> {
  cleaningUp ??= (async () => {
    for (const { name, run } of cleanups.reverse()) {
      try {
        await run();
      } catch (error) {
        process.stderr.write(`cleanup "${name}" failed: ${String(error)}\n`);
      }
    }
  })();
  return cleaningUp;
}

export function cleanUpOnSignals(): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      process.stderr.write(`\n${signal}: cleaning up\n`);
      void cleanUp().finally(() => process.exit(130));
    });
  }
}
