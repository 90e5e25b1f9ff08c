import type {
  OpenAPIObject,
  OperationObject,
  ParameterObject,
  ReferenceObject,
  SchemaObject,
} from '@nestjs/swagger';
import { type ApiTarget, PASSWORD, request } from './api-client';
import { unique } from './backend';
import { HTTP_METHODS, type HttpMethod, routeKey } from './routes';

/** The operations of the app's OpenAPI document, and valid request bodies built from it. */

export interface ApiOperation {
  method: HttpMethod;
  /** Fastify syntax: `/api/users/:id`. */
  path: string;
  /** OpenAPI syntax: `/api/users/{id}`. */
  template: string;
  key: string;
  operation: OperationObject;
  pathParams: string[];
  queryParams: ParameterObject[];
  bodySchema?: SchemaObject;
}

export async function fetchOpenApi(t: ApiTarget): Promise<OpenAPIObject> {
  const response = await request(t, 'GET', '/api/docs-json');
  if (response.status !== 200) throw new Error(response.describe());
  return JSON.parse(response.text) as OpenAPIObject;
}

export function resolveSchema(
  doc: OpenAPIObject,
  schema: SchemaObject | ReferenceObject | undefined,
): SchemaObject | undefined {
  if (!schema) return undefined;
  if ('$ref' in schema) {
    const name = schema.$ref.replace('#/components/schemas/', '');
    return resolveSchema(doc, doc.components?.schemas?.[name]);
  }
  if (schema.allOf) {
    const parts = schema.allOf.map((part) => resolveSchema(doc, part) ?? {});
    return {
      ...schema,
      allOf: undefined,
      properties: Object.assign(
        {},
        ...parts.map((part) => part.properties ?? {}),
        schema.properties ?? {},
      ) as SchemaObject['properties'],
      required: [...parts.flatMap((part) => part.required ?? []), ...(schema.required ?? [])],
    };
  }
  return schema;
}

export function apiOperations(doc: OpenAPIObject): ApiOperation[] {
  const operations: ApiOperation[] = [];
  for (const [template, item] of Object.entries(doc.paths)) {
    for (const method of HTTP_METHODS) {
      const operation: OperationObject | undefined = item[method.toLowerCase() as 'get'];
      if (!operation) continue;
      const parameters = [...(item.parameters ?? []), ...(operation.parameters ?? [])].filter(
        (parameter): parameter is ParameterObject => !('$ref' in parameter),
      );
      const path = template.replace(/\{([^}]+)\}/g, ':$1');
      const requestBody =
        operation.requestBody && !('$ref' in operation.requestBody)
          ? operation.requestBody
          : undefined;
      operations.push({
        method,
        path,
        template,
        key: routeKey(method, path),
        operation,
        pathParams: [...template.matchAll(/\{([^}]+)\}/g)].map((match) => match[1]),
        queryParams: parameters.filter((parameter) => parameter.in === 'query'),
        bodySchema: resolveSchema(doc, requestBody?.content['application/json']?.schema),
      });
    }
  }
  return operations.sort((a, b) => a.key.localeCompare(b.key));
}

export function fillPath(path: string, values: Record<string, string>): string {
  return path.replace(/:([A-Za-z0-9_]+)/g, (_match, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`No value for :${name} in ${path}`);
    return encodeURIComponent(value);
  });
}

/**
 * A valid request body built from the DTO's OpenAPI schema: examples, enums and formats, with
 * strings made unique (emails, names, SKUs and subdomains must not collide between calls).
 * Every property that has an example or an enum is filled, so a PATCH body changes something.
 * Password fields get the tests' password (`new...` ones a different valid password).
 */
export function exampleBody(
  doc: OpenAPIObject,
  schema: SchemaObject | undefined,
): Record<string, unknown> {
  const value = exampleValue(doc, schema, '', true);
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

function exampleValue(
  doc: OpenAPIObject,
  raw: SchemaObject | ReferenceObject | undefined,
  name: string,
  required: boolean,
): unknown {
  const schema = resolveSchema(doc, raw);
  if (!schema) return undefined;
  if (/password/i.test(name)) return /^new/i.test(name) ? `${PASSWORD}-renewed` : PASSWORD;
  if (schema.enum?.length) return schema.enum[0];
  if (schema.type === 'object' || schema.properties) {
    if (schema.example !== undefined && !schema.properties) return schema.example;
    const body: Record<string, unknown> = {};
    for (const [property, propertySchema] of Object.entries(schema.properties ?? {})) {
      const value = exampleValue(
        doc,
        propertySchema,
        property,
        (schema.required ?? []).includes(property),
      );
      if (value !== undefined) body[property] = value;
    }
    return body;
  }
  if (schema.type === 'array') {
    if (schema.example !== undefined) return schema.example;
    const item = exampleValue(doc, schema.items, name, true);
    return required && item !== undefined ? [item] : undefined;
  }
  if (schema.type === 'string') {
    if (schema.format === 'uuid' || schema.format === 'date-time') return undefined;
    const example =
      typeof schema.example === 'string' ? schema.example : required ? 'example' : undefined;
    if (example === undefined) return example;
    const suffix = unique();
    const at = example.indexOf('@');
    const varied =
      at > 0 ? `${example.slice(0, at)}-${suffix}${example.slice(at)}` : `${example}-${suffix}`;
    // Where the pattern or the length refuses a suffix (a price), the example is used as it is.
    const fits =
      (!schema.pattern || new RegExp(schema.pattern).test(varied)) &&
      varied.length <= (schema.maxLength ?? Infinity);
    return fits ? varied : example;
  }
  if (schema.type === 'boolean' || schema.type === 'number' || schema.type === 'integer') {
    return (
      schema.example ??
      (required ? (schema.type === 'boolean' ? false : (schema.minimum ?? 0)) : undefined)
    );
  }
  return schema.example;
}
