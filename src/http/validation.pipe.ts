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

type QueryDtoClass = new () => object;

type QueryValue = string | number | boolean | null | undefined;

const isPlainValue = (value: unknown): value is QueryValue =>
  value === null || (typeof value !== 'object' && typeof value !== 'function');

/** Distinct query strings remembered as valid, over every query DTO; past it, memory starts over. */
const MAX_REMEMBERED_QUERIES = 1024;

/**
 * The global pipe: strips nothing silently (unknown fields are refused), converts types
 * through the DTOs' @Type hints, and reports one entry per failing field.
 *
 * A list's query string repeats (`?limit=20`, the next page, the same filter), and turning
 * it into its DTO was a twentieth of a product list's CPU. Query DTOs validate as pure
 * functions of the query string, so a query that passed once is remembered with its converted
 * values; the next identical one gets a fresh DTO with those values, and a refused one is
 * checked again every time.
 */
@Injectable()
export class AppValidationPipe extends ValidationPipe {
  private readonly validQueries = new Map<QueryDtoClass, Map<string, Record<string, QueryValue>>>();
  private rememberedQueries = 0;

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
    const metatype = metadata.metatype as QueryDtoClass;
    const queryKey = metadata.type === 'query' ? JSON.stringify(input) : undefined;
    const known = queryKey && this.validQueries.get(metatype)?.get(queryKey);
    if (known) return Object.assign(new metatype(), known);
    const inherited = inheritedNames(input);
    if (inherited.length > 0)
      throw new AppException(
        HttpStatus.BAD_REQUEST,
        ErrorCode.VALIDATION_ERROR,
        'Validation failed',
        inherited,
      );
    const dto: unknown = await super.transform(input, metadata);
    if (queryKey !== undefined && typeof dto === 'object' && dto !== null)
      this.remember(metatype, queryKey, dto);
    return dto;
  }

  /** Only DTOs of plain values: a fresh copy of them shares nothing with an earlier request. */
  private remember(metatype: QueryDtoClass, queryKey: string, dto: object): void {
    const values = { ...dto } as Record<string, unknown>;
    if (!Object.values(values).every(isPlainValue)) return;
    if (this.rememberedQueries >= MAX_REMEMBERED_QUERIES) {
      this.validQueries.clear();
      this.rememberedQueries = 0;
    }
    const queries =
      this.validQueries.get(metatype) ?? new Map<string, Record<string, QueryValue>>();
    this.validQueries.set(metatype, queries);
    queries.set(queryKey, values as Record<string, QueryValue>);
    this.rememberedQueries += 1;
  }
}
