import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { OpenAPIObject } from '@nestjs/swagger';
import { createApp } from './bootstrap/app.factory';
import { buildOpenApiDocument } from './bootstrap/swagger';
import { loadConfig } from './config/app-config';

/**
 * Builds the OpenAPI document from the same module graph the server runs, in Nest's preview
 * mode: controllers and their metadata are scanned but no provider is instantiated, so no
 * database, Redis or port is touched. The config is fixed rather than read from the
 * environment, because the document must not depend on where it is generated.
 */
export async function generateOpenApiDocument(
  env: Record<string, string> = {},
): Promise<OpenAPIObject> {
  // METRICS_PORT=0: nothing measured, no process metrics collected for a document export.
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'error', METRICS_PORT: '0', ...env });
  const { app } = await createApp(config, { preview: true });
  try {
    return await buildOpenApiDocument(app);
  } finally {
    await app.close();
  }
}

/** `npm run openapi`: writes openapi.json at the repository root (or to the path given). */
async function main(): Promise<void> {
  const target = process.argv[2] ?? join(__dirname, '..', '..', 'openapi.json');
  const document = await generateOpenApiDocument();
  writeFileSync(target, `${JSON.stringify(document, null, 2)}\n`);
  process.stdout.write(`Wrote ${target} (${Object.keys(document.paths).length} paths)\n`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(
      `OpenAPI export failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  });
}
