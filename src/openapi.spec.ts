import { createServer, type Server } from 'node:net';
import { generateOpenApiDocument } from './openapi';

describe('generateOpenApiDocument', () => {
  // Both backends point at a socket that counts connection attempts: preview mode must make none.
  let connections = 0;
  let trap: Server;

  beforeAll(async () => {
    trap = createServer((socket) => {
      connections += 1;
      socket.destroy();
    });
    await new Promise<void>((resolve) => trap.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => trap.close(() => resolve()));
  });

  it('documents the API without instantiating any provider', async () => {
    const address = trap.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const document = await generateOpenApiDocument({
      DATABASE_URL: `mysql://nobody:secret@127.0.0.1:${port}/nothing`,
      REDIS_URL: `redis://127.0.0.1:${port}`,
    });
    expect(document.openapi).toMatch(/^3\./);
    expect(document.paths['/health']?.get).toBeDefined();
    expect(
      Object.keys(document.paths).every(
        (path) => path.startsWith('/health') || path.startsWith('/api/'),
      ),
    ).toBe(true);
    expect(connections).toBe(0);
  });
});
