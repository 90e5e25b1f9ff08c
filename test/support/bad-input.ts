import type { OpenAPIObject, ParameterObject, SchemaObject } from '@nestjs/swagger';
import { ErrorCode } from '../../src/http/error-codes';
import { exampleBody, resolveSchema } from './openapi';

/**
 * The hostile and the odd requests of the bad-input walk, derived from the OpenAPI schema of
 * each route. An `invalid` case must be refused with a 4xx; a `boundary` case may succeed, but
 * must never fail with a 5xx. `code` names the error code when one specific check is the point.
 */
export interface BadInput {
  name: string;
  expect: 'invalid' | 'boundary';
  code?: string;
}

export interface RawBodyCase extends BadInput {
  raw: string;
  /** null: no Content-Type header at all. */
  contentType: string | null;
}

export interface JsonBodyCase extends BadInput {
  body: unknown;
}

export interface QueryCase extends BadInput {
  /** Already encoded: `page=1e308`. */
  query: string;
}

export interface PathCase extends BadInput {
  /** Already encoded, put in place of the path parameter. */
  segment: string;
}

const JSON_TYPE = 'application/json';
const HUGE_STRING = 'x'.repeat(200_000);

export const nestedArrays = (depth: number, closed = true): string =>
  '['.repeat(depth) + (closed ? ']'.repeat(depth) : '');

/** `{"a":{"a":…1…}}`: 6 bytes per level. */
export const nestedObjects = (depth: number): string =>
  '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);

function nestedValue(depth: number): unknown {
  let value: unknown = 1;
  for (let level = 0; level < depth; level += 1) value = { a: value };
  return value;
}

/** What the body parser itself must refuse, whatever the route. */
export function rawBodyCases(bodyLimit: number): RawBodyCase[] {
  const deepest = Math.floor((bodyLimit - 1) / 6);
  const invalid = (
    name: string,
    raw: string,
    code: string,
    contentType: string | null = JSON_TYPE,
  ): RawBodyCase => ({ name, raw, contentType, code, expect: 'invalid' });
  return [
    invalid('100k nested arrays', nestedArrays(100_000), ErrorCode.MALFORMED_JSON),
    invalid('100k unclosed arrays', nestedArrays(100_000, false), ErrorCode.MALFORMED_JSON),
    invalid(
      `objects nested ${deepest} deep, just under BODY_LIMIT`,
      nestedObjects(deepest),
      ErrorCode.MALFORMED_JSON,
    ),
    invalid(
      '65 levels: arrays 64 deep inside an object',
      `{"x":${nestedArrays(64)}}`,
      ErrorCode.MALFORMED_JSON,
    ),
    invalid('malformed JSON', '{"name":', ErrorCode.MALFORMED_JSON),
    invalid('__proto__ key', '{"__proto__":{"isAdmin":true}}', ErrorCode.MALFORMED_JSON),
    invalid(
      'constructor.prototype key',
      '{"constructor":{"prototype":{"isAdmin":true}}}',
      ErrorCode.MALFORMED_JSON,
    ),
    invalid(
      'a body over BODY_LIMIT',
      `{"x":"${'x'.repeat(bodyLimit)}"}`,
      ErrorCode.PAYLOAD_TOO_LARGE,
    ),
    invalid('text/plain', '{}', ErrorCode.UNSUPPORTED_MEDIA_TYPE, 'text/plain'),
    invalid(
      'a form post',
      'a=1',
      ErrorCode.UNSUPPORTED_MEDIA_TYPE,
      'application/x-www-form-urlencoded',
    ),
    invalid(
      'multipart',
      '--x\r\n\r\n--x--',
      ErrorCode.UNSUPPORTED_MEDIA_TYPE,
      'multipart/form-data; boundary=x',
    ),
    invalid('XML', '<a/>', ErrorCode.UNSUPPORTED_MEDIA_TYPE, 'application/xml'),
    invalid('a lookalike JSON type', '{}', ErrorCode.UNSUPPORTED_MEDIA_TYPE, 'application/jsonx'),
    // DELETE ignores a body without Content-Type (Fastify); the other methods must refuse it.
    invalid('a body without Content-Type', '{"a":1}', ErrorCode.UNSUPPORTED_MEDIA_TYPE, null),
  ];
}

/** Bodies of the wrong shape as a whole, for routes that declare a body. */
export function wholeBodyCases(): JsonBodyCase[] {
  const invalid = (name: string, body: unknown): JsonBodyCase => ({
    name,
    body,
    expect: 'invalid',
    code: ErrorCode.VALIDATION_ERROR,
  });
  return [
    invalid('null', null),
    invalid('an array', []),
    invalid('an array of objects', [{}]),
    invalid('a string', 'text'),
    invalid('a number', 0),
    invalid('a boolean', true),
    invalid('an unknown "constructor" field', { constructor: 1 }),
    invalid('an unknown "hasOwnProperty" field', { hasOwnProperty: 'x' }),
    invalid('an unknown "toString" field', { toString: {} }),
    { name: 'an empty object', body: {}, expect: 'boundary' },
  ];
}

/** Wrong JSON types and out-of-range values for one property of the given schema. */
function wrongValues(schema: SchemaObject, required: boolean): [string, unknown][] {
  const values: [string, unknown][] = [['a 200k string', HUGE_STRING]];
  if (!schema.nullable && required) values.push(['null', null]);
  if (schema.type !== 'object') values.push(['an object', {}]);
  if (schema.type !== 'array') values.push(['an array', []]);
  if (schema.enum) values.push(['a value outside the enum', 'not-one-of-them']);
  switch (schema.type) {
    case 'string':
      values.push(['a number', 12345], ['a boolean', true], ['an array of strings', ['x']]);
      break;
    case 'number':
    case 'integer':
      values.push(['a numeric string', '1'], ['1e308', 1e308], ['-1e308', -1e308]);
      if (schema.type === 'integer') values.push(['a fraction', 1.5]);
      break;
    case 'boolean':
      values.push(['the string "true"', 'true'], ['the number 1', 1]);
      break;
    case 'array':
      values.push(
        ['a string', 'x'],
        ['an array of null', [null]],
        ['an array of numbers', [12345]],
        ['an array of arrays', [['x']]],
        ['10001 items', Array.from({ length: 10_001 }, (_, index) => `item-${index}`)],
      );
      break;
    case 'object':
      values.push(
        ['a string', 'x'],
        ['a number', 1],
        ['an object nested 60 deep', nestedValue(60)],
        [
          'an object with 10000 keys',
          Object.fromEntries(
            Array.from({ length: 10_000 }, (_, index) => [`key${index}`, 'value']),
          ),
        ],
      );
      break;
    default:
      break;
  }
  return values;
}

function withValue(base: Record<string, unknown>, path: string[], value: unknown): unknown {
  const body = structuredClone(base);
  let target: Record<string, unknown> = body;
  for (const key of path.slice(0, -1)) {
    const next = target[key];
    target[key] = typeof next === 'object' && next !== null && !Array.isArray(next) ? next : {};
    target = target[key] as Record<string, unknown>;
  }
  target[path[path.length - 1]] = value;
  return body;
}

/** A valid body with one property (nested ones included) replaced by a wrong value at a time. */
export function propertyCases(doc: OpenAPIObject, schema: SchemaObject): JsonBodyCase[] {
  const base = exampleBody(doc, schema);
  const cases: JsonBodyCase[] = [];
  const visit = (current: SchemaObject, path: string[]): void => {
    for (const [property, raw] of Object.entries(current.properties ?? {})) {
      const propertySchema = resolveSchema(doc, raw);
      if (!propertySchema) continue;
      const propertyPath = [...path, property];
      const required = (current.required ?? []).includes(property);
      for (const [label, value] of wrongValues(propertySchema, required)) {
        cases.push({
          name: `${propertyPath.join('.')} = ${label}`,
          body: withValue(base, propertyPath, value),
          expect: 'invalid',
          code: ErrorCode.VALIDATION_ERROR,
        });
      }
      // An optional field sent as null counts as left out (class-validator's IsOptional).
      if (!required)
        cases.push({
          name: `${propertyPath.join('.')} = null (optional)`,
          body: withValue(base, propertyPath, null),
          expect: 'boundary',
        });
      if (propertySchema.properties) visit(propertySchema, propertyPath);
    }
  };
  visit(schema, []);
  return cases;
}

const NUMBERS_NEVER_VALID = [
  '1e9',
  '9999999999999999999',
  '1e308',
  'Infinity',
  '-Infinity',
  'NaN',
  '-1',
  '1.5',
  '0x10',
  '1e1',
  '%201',
  '%EF%BC%91',
  'abc',
  '',
];

/** Values of one query parameter, by its schema; every parameter gets a repeated and an oversized value. */
export function queryCases(parameter: ParameterObject): QueryCase[] {
  const schema = (parameter.schema ?? {}) as SchemaObject;
  const name = encodeURIComponent(parameter.name);
  const invalid = (label: string, value: string): QueryCase => ({
    name: `${parameter.name} = ${label}`,
    query: `${name}=${value}`,
    expect: 'invalid',
    code: ErrorCode.VALIDATION_ERROR,
  });
  const boundary = (label: string, value: string): QueryCase => ({
    name: `${parameter.name} = ${label}`,
    query: `${name}=${value}`,
    expect: 'boundary',
  });
  const cases: QueryCase[] = [
    { ...invalid('repeated', 'a'), query: `${name}=1&${name}=2` },
    invalid('5000 characters', 'x'.repeat(5000)),
  ];
  if (schema.type === 'integer' || schema.type === 'number') {
    cases.push(...NUMBERS_NEVER_VALID.map((value) => invalid(value || '(empty)', value)));
    if (schema.maximum !== undefined) {
      cases.push(invalid('maximum + 1', String(schema.maximum + 1)));
      cases.push(boundary('maximum', String(schema.maximum)));
    }
    if (schema.minimum !== undefined) {
      cases.push(invalid('minimum - 1', String(schema.minimum - 1)));
      cases.push(boundary('minimum', String(schema.minimum)));
    }
  }
  if (schema.enum) cases.push(invalid('a value outside the enum', 'not-one-of-them'));
  if (schema.format === 'uuid') cases.push(invalid('not a uuid', 'not-a-uuid'));
  if (schema.format === 'date-time') {
    cases.push(invalid('not a date', 'yesterday'));
    for (const value of [
      '0000-01-01T00:00:00Z',
      '9999-12-31T23:59:59.999Z',
      '%2B275760-09-13T00:00:00.000Z',
      '-271821-04-20T00:00:00Z',
      '2024-02-30T00:00:00Z',
      '2024-01-01T00:00:00%2B14:00',
    ])
      cases.push(boundary(value, value));
  }
  return cases;
}

/** Path parameter values: anything that is not one of our ids is a 4xx, never a 500. */
export function pathCases(): PathCase[] {
  const invalid = (name: string, segment: string): PathCase => ({
    name,
    segment,
    expect: 'invalid',
  });
  const boundary = (name: string, segment: string): PathCase => ({
    name,
    segment,
    expect: 'boundary',
  });
  return [
    invalid('not a uuid', 'not-a-uuid'),
    invalid('a number', '1'),
    invalid('a negative number', '-1'),
    invalid('a huge number', '9999999999999999999'),
    invalid('5000 characters', 'x'.repeat(5000)),
    invalid('a uuid with a bad character', '00000000-0000-4000-8000-00000000000g'),
    invalid('a uuid with a suffix', '00000000-0000-4000-8000-000000000000x'),
    invalid('a NUL byte', '%00'),
    invalid('a broken percent escape', '%ZZ'),
    invalid('a truncated UTF-8 escape', '%E2%80'),
    invalid('an encoded path traversal', '..%2F..%2Fetc'),
    boundary('the nil uuid', '00000000-0000-0000-0000-000000000000'),
    boundary('an upper-case uuid', 'A3BB189E-8BF9-3888-9912-ACE4E6543002'),
  ];
}

export interface HeaderCase extends BadInput {
  headers: Record<string, string>;
}

/** Tenant hints that name no organization, in the header and in the Host subdomain. */
export function tenantHintCases(port: string): HeaderCase[] {
  const boundary = (name: string, headers: Record<string, string>): HeaderCase => ({
    name,
    headers,
    expect: 'boundary',
  });
  return [
    boundary('a 5000-character X-Tenant-ID', { 'x-tenant-id': 'x'.repeat(5000) }),
    boundary('the nil uuid as X-Tenant-ID', {
      'x-tenant-id': '00000000-0000-0000-0000-000000000000',
    }),
    boundary('a percent-encoded X-Tenant-ID', { 'x-tenant-id': '%00%2F..' }),
    boundary('a 63-character subdomain in Host', { host: `${'a'.repeat(63)}.localhost:${port}` }),
    boundary('a 2000-character Host', { host: `${'a'.repeat(2000)}.localhost:${port}` }),
  ];
}
