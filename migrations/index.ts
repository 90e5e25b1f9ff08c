import type { MigrationInterface } from 'typeorm';

/** Every migration in order. A unit test fails when a file in this folder is missing here. */
export const MIGRATIONS: (new () => MigrationInterface)[] = [];
