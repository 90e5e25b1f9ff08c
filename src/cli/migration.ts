import 'reflect-metadata';
import type { DataSource } from 'typeorm';
import {
  type CliIo,
  CliError,
  describeDatabase,
  type Env,
  parseCliArgs,
  processIo,
  runAsScript,
  runCommand,
} from './cli-support';
import { loadConfig } from '../config/app-config';
import {
  applyPendingMigrations,
  migrationStatus,
  revertLastMigration,
  withDataSource,
} from '../database/migration-runner';

const USAGE = `Usage: node dist/src/cli/migration.js <command>

Commands:
  run      apply every pending migration, in order, each in its own transaction
  revert   revert the most recently applied migration
  show     list every migration, [x] applied or [ ] pending

The database comes from DATABASE_URL (unset: SQLite ./data/app.sqlite), validated like the API's config.
npm scripts: migration:run, migration:revert, migration:show.`;

const COMMANDS = ['run', 'revert', 'show'] as const;
type Command = (typeof COMMANDS)[number];

/** `migration <run|revert|show>`: 0 when the command did its work, 1 with a readable reason otherwise. */
export async function main(argv: string[], env: Env, io: CliIo = processIo): Promise<number> {
  return runCommand(io, async () => {
    const { positionals, values } = parseCliArgs(
      {
        args: argv,
        options: { help: { type: 'boolean', short: 'h' } },
        allowPositionals: true,
        strict: true,
      },
      USAGE,
    );
    if (values.help) {
      io.out(USAGE);
      return;
    }
    const [command, ...extra] = positionals;
    if (!command || extra.length > 0 || !(COMMANDS as readonly string[]).includes(command)) {
      throw new CliError(
        `${command ? `Unknown command "${positionals.join(' ')}".` : 'No command given.'}\n\n${USAGE}`,
      );
    }
    const config = loadConfig(env);
    io.out(`Database: ${describeDatabase(config.database)}`);
    await withDataSource(config.database, (dataSource) =>
      COMMAND_HANDLERS[command as Command](dataSource, io),
    );
  });
}

type Handler = (dataSource: DataSource, io: CliIo) => Promise<void>;

const COMMAND_HANDLERS: Record<Command, Handler> = {
  async run(dataSource, io) {
    const applied = await applyPendingMigrations(dataSource);
    for (const name of applied) io.out(`Applied ${name}`);
    io.out(
      applied.length > 0
        ? `${applied.length} migration(s) applied.`
        : 'No pending migrations: the schema is up to date.',
    );
  },

  async revert(dataSource, io) {
    const reverted = await revertLastMigration(dataSource);
    io.out(reverted ? `Reverted ${reverted}` : 'Nothing to revert: no migration has been applied.');
  },

  async show(dataSource, io) {
    const status = await migrationStatus(dataSource);
    for (const migration of status.migrations)
      io.out(`${migration.applied ? '[x]' : '[ ]'} ${migration.name}`);
    for (const name of status.unknownApplied)
      io.out(`[?] ${name} (applied in the database, unknown to this code)`);
    io.out(
      status.pending.length > 0 ? `${status.pending.length} pending.` : 'No pending migrations.',
    );
  },
};

if (require.main === module) runAsScript(main);
