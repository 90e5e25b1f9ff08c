import { HttpStatus } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';
import { AppException } from '../http/app-exception';
import { ErrorCode } from '../http/error-codes';

/** Deepest nesting of arrays and objects a request body may have. */
export const MAX_JSON_DEPTH = 64;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

/**
 * Whether JSON text nests arrays and objects deeper than `limit`, found in one loop over the
 * characters, without recursion and without parsing: brackets inside strings (escaped quotes
 * included) do not count. Text that is not valid JSON may be misjudged; JSON.parse refuses it next.
 */
export function nestsDeeperThan(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let index = 0; index < text.length; index += 1) {
    const char = text.charCodeAt(index);
    if (inString) {
      if (char === BACKSLASH) index += 1;
      else if (char === QUOTE) inString = false;
    } else if (char === QUOTE) {
      inString = true;
    } else if (char === OPEN_BRACKET || char === OPEN_BRACE) {
      depth += 1;
      if (depth > limit) return true;
    } else if ((char === CLOSE_BRACKET || char === CLOSE_BRACE) && depth > 0) {
      depth -= 1;
    }
  }
  return false;
}

const malformed = (message: string) =>
  new AppException(HttpStatus.BAD_REQUEST, ErrorCode.MALFORMED_JSON, message);

/**
 * The API accepts JSON only: Fastify's JSON parser (with its prototype-poisoning checks),
 * but failures become a MALFORMED_JSON error of our own, and an empty body counts as no body.
 * Nesting is bounded before anything parses the text: validation, transformation and logging
 * all recurse into the body, and a deep enough one would overflow the stack (a 500).
 * Every other parser is removed (Fastify ships one for text/plain), so any other content
 * type gets 415 instead of reaching a handler as a string.
 */
export function installJsonParser(fastify: FastifyInstance): void {
  const parse = fastify.getDefaultJsonParser('error', 'error');
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') {
      done(null, undefined);
      return;
    }
    if (nestsDeeperThan(text, MAX_JSON_DEPTH)) {
      done(
        malformed(`The request body nests arrays and objects deeper than ${MAX_JSON_DEPTH} levels`),
        undefined,
      );
      return;
    }
    void parse(request, text, (error: Error | null, value?: unknown) => {
      if (error) done(malformed('The request body is not valid JSON'), undefined);
      else done(null, value);
    });
  });
}
