import {
  type ArgumentMetadata,
  HttpStatus,
  Injectable,
  ValidationPipe,
  type ValidationError,
} from '@nestjs/common';
import { AppException, type FieldError } from './app-exception';
import { ErrorCode } from './error-codes';

function flatten(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = error.constraints ? [{ field, messages: Object.values(error.constraints) }] : [];
    return [...own, ...flatten(error.children ?? [], field)];
  });
}

const PRIMITIVES: unknown[] = [String, Boolean, Number, Array, Object];

/**
 * Fields named like a member of every object (`constructor`, `toString`, …) are skipped
 * silently by class-transformer, so whitelisting never sees them: they are refused here.
 * The body parser has bounded the depth, so the recursion is bounded too.
 */
function inheritedNames(value: unknown, parent = ''): FieldError[] {
  if (typeof value !== 'object' || value === null) return [];
  return Object.keys(value).flatMap((key) => {
    const field = parent ? `${parent}.${key}` : key;
    const own =
      !Array.isArray(value) && key in Object.prototype
        ? [{ field, messages: [`property ${key} should not exist`] }]
        : [];
    return [...own, ...inheritedNames((value as Record<string, unknown>)[key], field)];
  });
}

/**
 * The global pipe: strips nothing silently (unknown fields are refused), converts types
 * through the DTOs' @Type hints, and reports one entry per failing field.
 */
@Injectable()
export class AppValidationPipe extends ValidationPipe {
  constructor() {
    super({
      whitelist: true,
      forbidNonWhitelisted: true,
      forbidUnknownValues: true,
      transform: true,
      transformOptions: { enableImplicitConversion: false },
      validationError: { target: false, value: false },
      exceptionFactory: (errors) =>
        new AppException(
          HttpStatus.BAD_REQUEST,
          ErrorCode.VALIDATION_ERROR,
          'Validation failed',
          flatten(errors),
        ),
    });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const isDto =
      (metadata.type === 'body' || metadata.type === 'query') &&
      Boolean(metadata.metatype) &&
      !PRIMITIVES.includes(metadata.metatype);
    if (!isDto) return super.transform(value, metadata);
    // No body at all (fetch and axios send none, and no Content-Type) is an empty object:
    // a DTO whose fields are all optional accepts it, the others list what is missing.
    const input = metadata.type === 'body' && value === undefined ? {} : value;
    if (
      metadata.type === 'body' &&
      (typeof input !== 'object' || input === null || Array.isArray(input))
    ) {
      throw new AppException(
        HttpStatus.BAD_REQUEST,
        ErrorCode.VALIDATION_ERROR,
        'The request body must be a JSON object',
      );
    }
    const inherited = inheritedNames(input);
    if (inherited.length > 0)
      throw new AppException(
        HttpStatus.BAD_REQUEST,
        ErrorCode.VALIDATION_ERROR,
        'Validation failed',
        inherited,
      );
    return super.transform(input, metadata);
  }
}
