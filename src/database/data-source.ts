import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadConfig } from '../config/app-config';
import { readProcessEnv } from '../config/env';
import { buildDataSourceOptions } from './data-source-options';

/**
 * For the TypeORM CLI only (`npm run migration:generate -- migrations/Name`, which loads the
 * compiled dist/src/database/data-source.js): the same options as the app, from the same
 * validated environment. The app and the other commands build their own DataSource.
 */
export default new DataSource(buildDataSourceOptions(loadConfig(readProcessEnv()).database));
