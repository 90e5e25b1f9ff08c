import { ValidateBy, type ValidationOptions } from 'class-validator';

/**
 * Organization settings are flat key/value pairs. The limits keep the row and its audit
 * before/after values far inside their columns (a TEXT column holds 65,535 bytes on MySQL).
 */
export const SETTINGS_LIMITS = {
  maxKeys: 50,
  /** Keys: a letter or digit, then letters, digits, `_`, `-` or `.`; at most 64 characters. */
  key: /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/,
  maxStringLength: 1024,
  /** The whole object as JSON, in UTF-8 bytes. */
  maxBytes: 16_384,
} as const;

/** What is wrong with a settings value, or null when it is a valid flat object. */
export function settingsProblem(value: unknown): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return 'settings must be an object of key/value pairs';
  const entries = Object.entries(value);
  if (entries.length > SETTINGS_LIMITS.maxKeys)
    return `settings may hold at most ${SETTINGS_LIMITS.maxKeys} keys`;
  for (const [key, item] of entries) {
    if (!SETTINGS_LIMITS.key.test(key))
      return `settings key "${key.slice(0, 70)}" must be 1-64 letters, digits, _, - or ., starting with a letter or digit`;
    if (typeof item === 'string') {
      if (item.length > SETTINGS_LIMITS.maxStringLength)
        return `settings.${key} must be at most ${SETTINGS_LIMITS.maxStringLength} characters`;
    } else if (typeof item === 'number') {
      if (!Number.isFinite(item)) return `settings.${key} must be a finite number`;
    } else if (typeof item !== 'boolean') {
      return `settings.${key} must be a string, a number or a boolean (no objects, arrays or null)`;
    }
  }
  if (Buffer.byteLength(JSON.stringify(value), 'utf8') > SETTINGS_LIMITS.maxBytes)
    return `settings must be at most ${SETTINGS_LIMITS.maxBytes} bytes as JSON`;
  return null;
}

export function IsFlatSettings(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isFlatSettings',
      validator: {
        validate: (value: unknown) => settingsProblem(value) === null,
        defaultMessage: (args) => settingsProblem(args?.value) ?? 'settings are invalid',
      },
    },
    options,
  );
}
