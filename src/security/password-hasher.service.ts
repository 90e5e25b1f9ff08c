import { Inject, Injectable } from '@nestjs/common';
import * as bcrypt from 'bcrypt';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { Semaphore } from './semaphore';

/**
 * bcrypt behind a semaphore: at most HASH_CONCURRENCY hashes run at once, so a login storm
 * queues here instead of filling libuv's thread pool and slowing every other request.
 */
@Injectable()
export class PasswordHasher {
  private readonly slots: Semaphore;
  /** Compared against when the user does not exist, so unknown emails take as long as wrong passwords. */
  private readonly dummyHash: string;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.slots = new Semaphore(config.hashConcurrency);
    this.dummyHash = bcrypt.hashSync('dummy password that never matches', config.bcryptRounds);
  }

  hash(password: string): Promise<string> {
    return this.slots.run(() => bcrypt.hash(password, this.config.bcryptRounds));
  }

  /** Compares against the stored hash, or against a dummy hash when there is none. */
  verify(password: string, hash: string | null | undefined): Promise<boolean> {
    return this.slots.run(async () => {
      const matches = await bcrypt.compare(password, hash ?? this.dummyHash);
      return matches && hash !== null && hash !== undefined;
    });
  }
}
