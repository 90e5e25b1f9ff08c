import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { errorResponseOptions } from '../http/api-docs';
import { API_KEY_SCHEME } from '../security/decorators';
import pluginMetadata from '../openapi-metadata';
import { documentRateLimits } from './openapi-rate-limits';

export const DOCS_PATH = 'api/docs';
export const DOCS_JSON_PATH = 'api/docs-json';

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/**
 * The schemas the @nestjs/swagger CLI plugin derives from the DTOs. `nest build` also applies
 * the plugin while compiling, but swc (Jest) cannot, so the generated file is loaded in both
 * cases and the document is the same however the code was compiled.
 */
async function loadPluginMetadata(): Promise<void> {
  await SwaggerModule.loadPluginMetadata(pluginMetadata);
}

/** `checkHealth` for HealthController.check: only for operations without an explicit operationId. */
function fallbackOperationId(controllerKey: string, methodKey: string): string {
  return `${methodKey}${controllerKey.replace(/Controller$/, '')}`;
}

/**
 * An operation without a security requirement is a @Public() route (the guard denies anything
 * else by default): `security: []` says so explicitly instead of leaving it to the reader.
 */
function markPublicOperations(document: OpenAPIObject): void {
  for (const path of Object.values(document.paths)) {
    for (const method of HTTP_METHODS) {
      const operation = path[method];
      if (operation && !operation.security) operation.security = [];
    }
  }
}

function createDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Multi-tenant SaaS API')
    .setDescription(
      'Every response uses the envelope `{ success, data, message }` (lists add `pagination`); errors are ' +
        '`{ success: false, error, message, statusCode, requestId, details? }`. Every response carries X-Request-Id.',
    )
    .setVersion('1.0')
    .addServer('/', 'This server, whichever it is: local, staging or production', undefined, {
      'x-internal': false,
    })
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'JWT',
        description:
          'Access token from login or refresh: HS256 only, with issuer, audience and expiry checked, following RFC8725.',
      },
      'bearer',
    )
    .addApiKey(
      {
        type: 'apiKey',
        in: 'header',
        name: 'X-API-Key',
        description:
          'An API key of the organization, sk_<env>_<publicId>_<secret>, from POST /api/api-keys; `Authorization: Bearer sk_...` works too. Routes that accept one list this scheme.',
      },
      API_KEY_SCHEME,
    )
    .addCookieAuth(
      'refresh_token',
      { type: 'apiKey', in: 'cookie', name: 'refresh_token' },
      'refresh-cookie',
    )
    .addGlobalResponse(errorResponseOptions(500))
    .build();
  config.info.license = { name: 'MIT' };
  const document = SwaggerModule.createDocument(app, config, {
    operationIdFactory: fallbackOperationId,
  });
  markPublicOperations(document);
  documentRateLimits(document);
  return document;
}

export async function buildOpenApiDocument(app: INestApplication): Promise<OpenAPIObject> {
  await loadPluginMetadata();
  return createDocument(app);
}

/** Swagger UI at /api/docs and the document as JSON at /api/docs-json (no YAML copy). */
export async function setupSwagger(app: INestApplication): Promise<void> {
  await loadPluginMetadata();
  SwaggerModule.setup(DOCS_PATH, app, () => createDocument(app), {
    jsonDocumentUrl: DOCS_JSON_PATH,
    raw: ['json'],
    swaggerOptions: { persistAuthorization: false },
  });
}
