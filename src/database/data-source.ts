import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadConfig } from '../config/app-config';
import { readProcessEnv } from '../config/env';
import { buildDataSourceOptions, primaryOnly } from './data-source-options';

/**
 * For the TypeORM CLI only (`npm run migration:generate -- migrations/Name`, which loads the
 * compiled dist/src/database/data-source.js): the same options as the app, from the same
 * validated environment, on the primary alone. The app and the other commands build their own
 * DataSource.
 */
export default new DataSource(
  buildDataSourceOptions(primaryOnly(loadConfig(readProcessEnv()).database)),
);
