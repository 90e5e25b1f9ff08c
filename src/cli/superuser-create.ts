import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadConfig } from '../config/app-config';
import {
  applyPendingMigrations,
  migrationStatus,
  withDataSource,
} from '../database/migration-runner';
import { KvModule } from '../kv/kv.module';
import { AuditAction } from '../modules/audit/audit-actions';
import { AuditService } from '../modules/audit/audit.service';
import { SessionService } from '../modules/sessions/session.service';
import { SessionsModule } from '../modules/sessions/sessions.module';
import { SuperusersRepository } from '../modules/platform/superusers.repository';
import { parseEmail } from '../security/email';
import { PasswordHasher } from '../security/password-hasher.service';
import { passwordProblem } from '../security/password-policy';
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
  withApplicationContext,
} from './cli-support';

const USAGE = `Usage: npm run superuser:create -- --email <email> --password <password>
   or: SUPERUSER_EMAIL=<email> SUPERUSER_PASSWORD=<password> npm run superuser:create

Creates the platform superuser, or sets a new password when the email already exists.
Arguments win over the environment; there is no default for either. The password must pass
the password policy (8+ characters, at most 72 bytes, not a common password). Prefer
SUPERUSER_PASSWORD: a --password argument shows in the process list and shell history.`;

/** `npm run superuser:create`: 0 when the superuser exists with the given password, 1 with a readable reason otherwise. */
export async function main(argv: string[], env: Env, io: CliIo = processIo): Promise<number> {
  return runCommand(io, async () => {
    const { values } = parseCliArgs(
      {
        args: argv,
        options: {
          email: { type: 'string' },
          password: { type: 'string' },
          help: { type: 'boolean', short: 'h' },
        },
        strict: true,
      },
      USAGE,
    );
    if (values.help) {
      io.out(USAGE);
      return;
    }
    const config = loadConfig(env);
    const rawEmail = values.email ?? config.superuser.email ?? '';
    const email = parseEmail(rawEmail);
    const password = values.password ?? config.superuser.password ?? '';

    const problems: string[] = [];
    if (!rawEmail.trim()) problems.push('No email: pass --email or set SUPERUSER_EMAIL.');
    else if (!email) problems.push(`"${rawEmail}" is not an email address.`);
    if (!password)
      problems.push(
        'No password: pass --password or set SUPERUSER_PASSWORD (there is no default).',
      );
    else {
      const problem = passwordProblem(password);
      if (problem) problems.push(`The password ${problem}.`);
    }
    if (problems.length > 0 || !email)
      throw new CliError(`${problems.join('\n')}\nRun with --help for usage.`);

    io.out(`Database: ${describeDatabase(config.database)}`);
    // As at boot: embedded SQLite (or DB_RUN_MIGRATIONS=true) migrates itself; otherwise the schema must be current.
    if (config.database.runMigrations) {
      for (const name of await withDataSource(config.database, applyPendingMigrations))
        io.out(`Applied migration ${name}`);
    }
    const contextConfig = { ...config, database: { ...config.database, runMigrations: false } };
    // Sessions live in the key-value store. Redis is shared with the API, so a password reset
    // can end them; the in-process store of an embedded API is out of this process's reach.
    const sessionsReachable = config.redis.url !== null;
    const imports = sessionsReachable ? [KvModule, SessionsModule] : [];
    const outcome = await withApplicationContext(
      contextConfig,
      createCliLogger(config, env),
      imports,
      async (app) => {
        const { pending } = await migrationStatus(app.get(DataSource));
        if (pending.length > 0) {
          throw new CliError(
            `${pending.length} migration(s) pending (${pending.join(', ')}): run \`npm run migration:run\` first.`,
          );
        }
        const passwordHash = await app.get(PasswordHasher).hash(password);
        const { superuser, created } = await app
          .get(SuperusersRepository)
          .upsert(email, passwordHash);
        await app.get(AuditService).record({
          action: created ? AuditAction.SUPERUSER_CREATED : AuditAction.SUPERUSER_PASSWORD_RESET,
          organizationId: null,
          entityType: 'superuser',
          entityId: superuser.id,
          after: { email },
          metadata: { source: 'superuser:create' },
        });
        const sessionsEnded =
          !created && sessionsReachable ? await app.get(SessionService).endAll(superuser.id) : 0;
        return { created, sessionsEnded };
      },
    );
    if (outcome.created) io.out(`Superuser ${email} created.`);
    else if (sessionsReachable)
      io.out(
        `Superuser ${email} already existed: password updated, ${outcome.sessionsEnded} session(s) ended.`,
      );
    else {
      io.out(
        `Superuser ${email} already existed: password updated. Sessions held in a running embedded API ` +
          '(in-process store) are out of reach and last until they expire or the API restarts.',
      );
    }
  });
}

if (require.main === module) runAsScript(main);
