import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';

export type ApiKeyEnvironment = AppConfig['apiKeys']['environment'];

/** 256 bits of secret per key. */
const SECRET_BYTES = 32;
/** 96 random bits as 24 hex digits: unique in practice (the unique index decides), and free of `_`. */
const PUBLIC_ID_BYTES = 12;

/**
 * `sk_<env>_<publicId>_<secret>`: env is `live` or `test`, the public id 24 lower-case hex
 * digits, the secret 43 base64url characters (32 bytes, which may contain `_` and `-`). Only
 * the secret can hold an underscore and the parts before it have fixed alphabets and lengths,
 * so a key splits one way only: everything after the third underscore is the secret.
 */
const KEY_FORMAT = /^sk_(live|test)_([0-9a-f]{24})_([A-Za-z0-9_-]{43})$/;

export interface ParsedApiKey {
  environment: ApiKeyEnvironment;
  publicId: string;
  secret: string;
}

export function parseApiKey(key: string): ParsedApiKey | null {
  const match = KEY_FORMAT.exec(key);
  if (!match) return null;
  return { environment: match[1] as ApiKeyEnvironment, publicId: match[2], secret: match[3] };
}

/** What lists show of a key: enough to recognise it, nothing to use it. */
export function apiKeyPrefix(environment: ApiKeyEnvironment, publicId: string): string {
  return `sk_${environment}_${publicId}`;
}

export interface GeneratedApiKey {
  publicId: string;
  /** The whole key, shown once in the creation response and never stored. */
  key: string;
  secretHmac: string;
}

/** Makes keys and checks their secrets under API_KEY_PEPPER. */
@Injectable()
export class ApiKeySecrets {
  private readonly pepper: Buffer;
  readonly environment: ApiKeyEnvironment;
  /** What an unknown public id's secret is compared with, so it costs the same HMAC and comparison. */
  private readonly decoy: string;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.pepper = Buffer.from(config.apiKeys.pepper, 'utf8');
    this.environment = config.apiKeys.environment;
    this.decoy = this.hmac(randomBytes(SECRET_BYTES).toString('base64url'));
  }

  generate(): GeneratedApiKey {
    const publicId = randomBytes(PUBLIC_ID_BYTES).toString('hex');
    const secret = randomBytes(SECRET_BYTES).toString('base64url');
    return {
      publicId,
      key: `${apiKeyPrefix(this.environment, publicId)}_${secret}`,
      secretHmac: this.hmac(secret),
    };
  }

  /** HMAC-SHA256 of the secret under the pepper, lower-case hex. */
  hmac(secret: string): string {
    return createHmac('sha256', this.pepper).update(secret, 'utf8').digest('hex');
  }

  /**
   * Whether the secret matches the stored HMAC, in constant time. With no stored HMAC (an
   * unknown public id) it compares with the decoy all the same, and answers false.
   */
  matches(secret: string, storedHmac: string | null): boolean {
    const expected = Buffer.from(storedHmac ?? this.decoy, 'hex');
    const actual = Buffer.from(this.hmac(secret), 'hex');
    const equal = expected.length === actual.length && timingSafeEqual(expected, actual);
    return equal && storedHmac !== null;
  }
}
