import { HttpStatus } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';
import { AppException } from '../http/app-exception';
import { ErrorCode } from '../http/error-codes';

/**
 * The API accepts JSON only: Fastify's JSON parser (with its prototype-poisoning checks),
 * but failures become a MALFORMED_JSON error of our own, and an empty body counts as no body.
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
    void parse(request, text, (error: Error | null, value?: unknown) => {
      if (error) {
        done(
          new AppException(
            HttpStatus.BAD_REQUEST,
            ErrorCode.MALFORMED_JSON,
            'The request body is not valid JSON',
          ),
          undefined,
        );
      } else {
        done(null, value);
      }
    });
  });
}
