import 'reflect-metadata';
import {
  type CliIo,
  CliError,
  describeDatabase,
  createCliLogger,
  type Env,
  parseCliArgs,
  processIo,
  runAsScript,
  runCommand,
} from './cli-support';
import { loadConfig } from '../config/app-config';
import { DEMO_ORGANIZATIONS, DEMO_PASSWORD, DEMO_SUPERUSER_EMAIL } from '../modules/demo/demo-data';
import type { SeedCounts } from '../modules/demo/demo-seeder.service';
import { runDemoSeed } from './demo-seed';

const USAGE = `Usage: node dist/src/cli/seed.js [--force]   (npm run seed [-- --force])

Applies pending migrations, then loads the demo data idempotently: organizations acme and
globex with admin@, staff@ and client@<subdomain>.test, ten products each, and the platform
superuser ${DEMO_SUPERUSER_EMAIL}, all with the password ${DEMO_PASSWORD}. What exists is left
as it is, so running it again changes nothing.

  --force   run even with NODE_ENV=production (it creates logins with a published password)`;

/** `npm run seed`: 0 when the demo data is in place, 1 with a readable reason otherwise. */
export async function main(argv: string[], env: Env, io: CliIo = processIo): Promise<number> {
  return runCommand(io, async () => {
    const { values } = parseCliArgs(
      {
        args: argv,
        options: { force: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
        strict: true,
      },
      USAGE,
    );
    if (values.help) {
      io.out(USAGE);
      return;
    }
    const config = loadConfig(env);
    if (config.env === 'production' && !values.force) {
      throw new CliError(
        `Refusing to seed with NODE_ENV=production: the demo logins share the published password ${DEMO_PASSWORD}.\n` +
          'Pass --force (npm run seed -- --force) if this really is a demo environment.',
      );
    }
    io.out(`Seeding demo data into ${describeDatabase(config.database)}`);
    const { summary } = await runDemoSeed(config, createCliLogger(config, env), {
      report: (line) => io.out(line),
    });
    const created = (Object.values(summary) as SeedCounts[]).reduce(
      (total, counts) => total + counts.created,
      0,
    );
    io.out(
      created > 0
        ? `Done: ${created} demo record(s) created.`
        : 'Done: the demo data was already complete; nothing changed.',
    );
    io.out(
      `Log in with any of ${DEMO_ORGANIZATIONS.flatMap((organization) => organization.users.map((user) => user.email)).join(', ')} ` +
        `(X-Tenant-ID: the subdomain) or ${DEMO_SUPERUSER_EMAIL} (POST /api/auth/superuser/login), password ${DEMO_PASSWORD}`,
    );
  });
}

if (require.main === module) runAsScript(main);
