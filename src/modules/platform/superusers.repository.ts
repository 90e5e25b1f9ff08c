import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { requireId } from '../../database/required-key';
import type { CanonicalEmail } from '../../security/email';
import { Superuser } from './superuser.entity';

@Injectable()
export class SuperusersRepository {
  constructor(private readonly dataSource: DataSource) {}

  private get repository() {
    return this.dataSource.getRepository(Superuser);
  }

  async findById(id: string): Promise<Superuser | null> {
    return this.repository.findOne({ where: { id: requireId('superusers.findById', id) } });
  }

  findByEmailWithCredentials(email: CanonicalEmail): Promise<Superuser | null> {
    return this.repository
      .createQueryBuilder('superuser')
      .addSelect('superuser.passwordHash')
      .where('superuser.email = :email', { email })
      .getOne();
  }

  /** Creates the superuser, or sets a new password when the email exists (idempotent for seeds and the CLI). */
  async upsert(
    email: CanonicalEmail,
    passwordHash: string,
  ): Promise<{ superuser: Superuser; created: boolean }> {
    const existing = await this.repository.findOne({ where: { email } });
    if (existing) {
      await this.repository.update({ id: existing.id }, { passwordHash, updatedAt: new Date() });
      return { superuser: existing, created: false };
    }
    const superuser = await this.repository.save(
      Object.assign(new Superuser(), { email, passwordHash, lastLoginAt: null }),
    );
    return { superuser, created: true };
  }

  findByIdWithCredentials(id: string): Promise<Superuser | null> {
    return this.repository
      .createQueryBuilder('superuser')
      .addSelect('superuser.passwordHash')
      .where('superuser.id = :id', { id: requireId('superusers.findByIdWithCredentials', id) })
      .getOne();
  }

  /** Turns the two-factor flag on (a date) or off (null), inside the caller's transaction. */
  async setMfaEnabledAt(id: string, at: Date | null, manager: EntityManager): Promise<void> {
    await manager
      .getRepository(Superuser)
      .update(
        { id: requireId('superusers.setMfaEnabledAt', id) },
        { mfaEnabledAt: at, updatedAt: new Date() },
      );
  }

  async touchLogin(id: string): Promise<void> {
    await this.repository.update(
      { id: requireId('superusers.touchLogin', id) },
      { lastLoginAt: new Date() },
    );
  }
}
