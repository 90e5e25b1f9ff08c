import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load, YAML11_SCHEMA } from 'js-yaml';
import { ROOT } from '../support/built-cli';
import { checkNginxConfig, COMMITTED_NGINX_CONF, localNginxConfig } from '../support/nginx';

interface ComposeService {
  image?: string;
  command?: string[];
  ports?: string[];
  volumes?: string[];
  environment?: Record<string, string>;
  deploy?: { replicas?: string | number };
  depends_on?: Record<string, { condition: string }>;
}

interface ComposeFile {
  services: Record<string, ComposeService>;
  networks: { default: { ipam: { config: { subnet: string }[] } } };
}

/**
 * What Docker would run, checked without Docker: docker-compose.yml parsed as YAML (anchors and
 * merge keys resolved, as compose does), and deploy/nginx.conf through `nginx -t`.
 */
describe('the load-balanced compose deployment', () => {
  // The YAML 1.1 schema: it has the merge key (`<<:`) the compose file's anchors rely on.
  const compose = load(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'), {
    schema: YAML11_SCHEMA,
  }) as ComposeFile;
  const { services } = compose;
  // The directives, without the comments that explain them.
  const nginxConf = readFileSync(COMMITTED_NGINX_CONF, 'utf8').replace(/#.*$/gm, '');

  it('runs migrate, api, worker and nginx from one file, with only nginx publishing a port', () => {
    expect(Object.keys(services).sort()).toEqual(
      ['api', 'migrate', 'mysql', 'nginx', 'redis', 'worker'].sort(),
    );
    const published = Object.entries(services)
      .filter(([, service]) => service.ports?.length)
      .map(([name, service]) => [name, service.ports]);
    expect(published).toEqual([['nginx', ['${API_PORT:-3000}:80']]]);
    expect(services.api.deploy).toEqual({ replicas: '${API_REPLICAS:-2}' });
    expect(services.api.command).toEqual(['node', 'dist/src/main.js']);
    expect(services.worker.command).toEqual(['node', 'dist/src/worker.js']);
    expect(services.migrate.command).toEqual(['node', 'dist/src/cli/migration.js', 'run']);
  });

  it('trusts X-Forwarded-For from the compose network only, where nginx gets its address', () => {
    const [{ subnet }] = compose.networks.default.ipam.config;
    expect(subnet).toMatch(/^(10|172\.(1[6-9]|2\d|3[01])|192\.168)\.[\d.]+\/\d+$/);
    expect(services.api.environment?.TRUST_PROXY).toBe(subnet);
  });

  it('mounts deploy/nginx.conf into an nginx that has upstream `resolve` (1.27.3 and later)', () => {
    expect(services.nginx.volumes).toEqual(['./deploy/nginx.conf:/etc/nginx/nginx.conf:ro']);
    expect(services.nginx.image).toMatch(/^nginx:1\.(2[7-9]|[3-9]\d)(-alpine)?$/);
    expect(nginxConf).toContain('server api:3000 resolve');
  });

  it('forwards the client address and scheme, and retries only what nginx may retry', () => {
    expect(nginxConf).toMatch(/proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;/);
    expect(nginxConf).toMatch(/proxy_set_header X-Forwarded-Proto \$scheme;/);
    const retry = /proxy_next_upstream ([^;]+);/.exec(nginxConf)?.[1].split(' ');
    expect(retry).toEqual(expect.arrayContaining(['error', 'timeout', 'http_503']));
    // Retrying a POST nginx has sent could apply it twice.
    expect(retry).not.toContain('non_idempotent');
    // No sticky sessions: plain round robin.
    expect(nginxConf).not.toMatch(/\b(ip_hash|hash|sticky)\b/);
  });

  it('closes idle upstream connections before the API’s drain ends (half of SHUTDOWN_TIMEOUT, 10s)', () => {
    const seconds = Number(/keepalive_timeout (\d+)s;/.exec(nginxConf)?.[1]);
    expect(seconds).toBeGreaterThan(0);
    expect(seconds).toBeLessThan(10 / 2);
  });

  it('passes `nginx -t` with the upstream made local', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nginx-check-'));
    try {
      const confPath = join(dir, 'nginx.conf');
      writeFileSync(confPath, localNginxConfig(dir, 8080, [3000]));
      expect(await checkNginxConfig(confPath, dir)).toMatch(/test is successful/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
