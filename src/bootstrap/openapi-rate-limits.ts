import type { OpenAPIObject } from '@nestjs/swagger';
import type {
  HeaderObject,
  OperationObject,
  ResponseObject,
} from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { errorResponseOptions } from '../http/api-docs';

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

/** Longest RateLimit / RateLimit-Policy value: a policy name (at most 21 characters) and numbers. */
const MAX_HEADER_LENGTH = 64;

const HEADERS: Record<string, HeaderObject> = {
  RateLimit: {
    description:
      'The policy this client meets first: requests left (r) and seconds until its bucket is full again (t); on a 429, r=0 and t equals Retry-After',
    schema: { type: 'string', maxLength: MAX_HEADER_LENGTH, example: '"tenant";r=2987;t=1' },
  },
  'RateLimit-Policy': {
    description:
      'That policy: its name (ip, tenant, api-key, or an auth limiter such as login-client), its limit (q) and window in seconds (w)',
    schema: { type: 'string', maxLength: MAX_HEADER_LENGTH, example: '"tenant";q=3000;w=60' },
  },
};

const REFERENCES = Object.fromEntries(
  Object.keys(HEADERS).map((name) => [name, { $ref: `#/components/headers/${name}` }]),
);

/** The default 429 of a limited route, as ApiErrorResponse(429) renders it. */
function tooManyRequests(): ResponseObject {
  // errorResponseOptions builds exactly these fields (description, headers, example).
  const { description, headers, example } = errorResponseOptions(429) as {
    description: string;
    headers: Record<string, HeaderObject>;
    example: unknown;
  };
  return {
    description,
    headers,
    content: {
      'application/json': { schema: { $ref: '#/components/schemas/ErrorBodyDto' }, example },
    },
  };
}

/**
 * Every route but /health is rate-limited (docs/http-conventions.md#rate-limits): each operation
 * gets a 429 (unless it documents its own) and the RateLimit headers on every answer the
 * limits see, that is all but 5xx (a 503 means the store that counts them is down).
 */
export function documentRateLimits(document: OpenAPIObject): void {
  document.components = {
    ...document.components,
    headers: { ...document.components?.headers, ...HEADERS },
  };
  for (const [path, item] of Object.entries(document.paths)) {
    if (path.startsWith('/health')) continue;
    for (const method of HTTP_METHODS) {
      const operation: OperationObject | undefined = item[method];
      if (!operation) continue;
      operation.responses['429'] ??= tooManyRequests();
      for (const [status, response] of Object.entries(operation.responses)) {
        if (!response || status.startsWith('5') || '$ref' in response) continue;
        response.headers = { ...response.headers, ...REFERENCES };
      }
    }
  }
}
