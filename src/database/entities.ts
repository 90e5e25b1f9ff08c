import type { MixedList } from 'typeorm';

/** Every entity of the app, listed once so the app and the CLIs agree. */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export const ENTITIES: MixedList<Function> = [];
