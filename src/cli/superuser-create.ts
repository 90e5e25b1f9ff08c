import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadConfig } from '../config/app-config';
import {
  applyPendingMigrations,
  migrationStatus,
  withDataSource,
} from '../database/migration-runner';
import { PLATFORM_ID } from '../context/platform';
import { KvModule } from '../kv/kv.module';
import { AuditAction } from '../modules/audit/audit-actions';
import { AuditService } from '../modules/audit/audit.service';
import { SessionService } from '../modules/sessions/session.service';
import { SessionsModule } from '../modules/sessions/sessions.module';
import { MfaFactorsRepository } from '../modules/mfa/mfa-factors.repository';
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

const USAGE = `Usage: npm run superuser:create -- --email <email> --password <password> [--reset-mfa]
   or: SUPERUSER_EMAIL=<email> SUPERUSER_PASSWORD=<password> npm run superuser:create

Creates the platform superuser, or sets a new password when the email already exists.
--reset-mfa also turns off the superuser's two-factor authentication: the way back in for a
superuser who lost both the authenticator and the recovery codes.
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
          'reset-mfa': { type: 'boolean' },
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
    const sessionsReachable = config.redis.connection !== null;
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
        const superusers = app.get(SuperusersRepository);
        const { superuser, created } = await superusers.upsert(email, passwordHash);
        await app.get(AuditService).record({
          action: created ? AuditAction.SUPERUSER_CREATED : AuditAction.SUPERUSER_PASSWORD_RESET,
          organizationId: null,
          entityType: 'superuser',
          entityId: superuser.id,
          after: { email },
          metadata: { source: 'superuser:create' },
        });
        const mfaReset =
          values['reset-mfa'] === true &&
          (await resetMfa(app.get(DataSource), superusers, app.get(AuditService), superuser.id));
        const sessionsEnded =
          !created && sessionsReachable
            ? await app.get(SessionService).endAll(PLATFORM_ID, superuser.id)
            : 0;
        return { created, sessionsEnded, mfaReset };
      },
    );
    if (outcome.mfaReset) io.out(`Two-factor authentication of ${email} turned off.`);
    else if (values['reset-mfa']) io.out(`${email} had no two-factor authentication to turn off.`);
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

/** Deletes the superuser's second factor and its flag, with the audit row, in one transaction. */
async function resetMfa(
  dataSource: DataSource,
  superusers: SuperusersRepository,
  audit: AuditService,
  superuserId: string,
): Promise<boolean> {
  return dataSource.transaction(async (manager) => {
    // The MFA module is not loaded here: its repository needs nothing but the data source.
    const removed = await new MfaFactorsRepository(dataSource).remove(
      { kind: 'platform', userId: superuserId },
      manager,
    );
    if (!removed) return false;
    await superusers.setMfaEnabledAt(superuserId, null, manager);
    await audit.record(
      {
        action: AuditAction.MFA_RESET,
        organizationId: null,
        entityType: 'superuser',
        entityId: superuserId,
        metadata: { source: 'superuser:create' },
      },
      manager,
    );
    return true;
  });
}

if (require.main === module) runAsScript(main);
