import { applyDecorators } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { isEmail, ValidateBy } from 'class-validator';

declare const canonical: unique symbol;

/**
 * An email address in its one canonical form. Only canonicalEmail() (or a DTO field marked
 * @IsCanonicalEmail()) makes one, so a lookup, a uniqueness check or a lockout key cannot be
 * handed the address as the client spelled it.
 */
export type CanonicalEmail = string & { readonly [canonical]: true };

/** The users.email and superusers.email column length. */
export const MAX_EMAIL_LENGTH = 320;

/**
 * The canonical form: NFKC (fullwidth and compatibility forms fold, so `ＶＩＣＴＩＭ＠x` is
 * `victim@x`), lower-cased. NFKC runs again after lower-casing because lower-casing does not
 * promise NFKC output, and trimming comes last because NFKC can produce spaces (`¨` becomes a
 * space and a combining mark). Accents are kept: `vìctim@x` is another address. Idempotent.
 */
export function canonicalEmail(raw: string): CanonicalEmail {
  return raw.normalize('NFKC').toLowerCase().normalize('NFKC').trim() as CanonicalEmail;
}

/**
 * Whether a canonical value is an email address. isEmail bounds the local part to 64 and the
 * domain to 254 bytes, so a valid address always fits the MAX_EMAIL_LENGTH column.
 */
export function isValidEmail(email: CanonicalEmail): boolean {
  return isEmail(email);
}

/** The canonical form of an address, or null when that form is not a valid email address. */
export function parseEmail(raw: string): CanonicalEmail | null {
  const email = canonicalEmail(raw);
  return isValidEmail(email) ? email : null;
}

/** The Swagger description of every email field. */
export const CANONICAL_EMAIL_DESCRIPTION =
  'Stored and compared in canonical form: NFKC, lower-cased, trimmed; that form must be a valid address';

/**
 * The one way a DTO takes an email: the field holds the canonical form, and it is that form
 * which must be a valid address (a fullwidth `＠` cannot add a second `@` after validation).
 */
export function IsCanonicalEmail(): PropertyDecorator {
  return applyDecorators(
    Transform(({ value }: { value: unknown }) =>
      typeof value === 'string' ? canonicalEmail(value) : value,
    ),
    ValidateBy({
      name: 'isCanonicalEmail',
      validator: {
        validate: (value: unknown) =>
          typeof value === 'string' && isValidEmail(value as CanonicalEmail),
        defaultMessage: () => '$property must be an email',
      },
    }),
  );
}
