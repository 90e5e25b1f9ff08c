import { Global, Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { LOGGER } from '../logging/logger';
import { FileMailer } from './file-mailer';
import { MailDelivery } from './mail-delivery.service';
import { MAILER, type Mailer } from './mailer';
import { SmtpMailer } from './smtp-mailer';
import { AccountEmails } from './templates/account-emails';

@Injectable()
class MailerLifecycle implements OnApplicationShutdown {
  constructor(@Inject(MAILER) private readonly mailer: Mailer) {}

  async onApplicationShutdown(): Promise<void> {
    await this.mailer.close();
  }
}

/** The mail transport chosen by SMTP_URL, idempotent delivery, and the account emails. */
@Global()
@Module({
  providers: [
    {
      provide: MAILER,
      inject: [APP_CONFIG, LOGGER],
      useFactory: (config: AppConfig, logger: Logger): Mailer => {
        if (config.mail.smtpUrl) return new SmtpMailer(config.mail.smtpUrl, config.mail.from);
        logger.warn(
          { mailOutboxDir: config.mail.outboxDir },
          'SMTP_URL is unset: mail is written as .eml files and its links, tokens included, are logged (development only)',
        );
        return new FileMailer(config.mail.outboxDir, config.mail.from, logger);
      },
    },
    {
      provide: AccountEmails,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => new AccountEmails(config.mail.appUrl),
    },
    MailDelivery,
    MailerLifecycle,
  ],
  exports: [MAILER, MailDelivery, AccountEmails],
})
export class MailModule {}
