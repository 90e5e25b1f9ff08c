import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet, { type HelmetOptions } from 'helmet';
import { DOCS_PATH } from './swagger';

const HSTS_MAX_AGE_SECONDS = 31_536_000;

/**
 * The headers of every JSON response: what OWASP's REST guidance asks of an API and nothing a
 * JSON body cannot use. HSTS; no MIME sniffing; a policy that loads nothing and forbids framing,
 * should a browser ever render the body (X-Frame-Options for browsers without frame-ancestors);
 * no cross-origin embedding; never cached, as bodies carry tokens and personal data. The
 * browser-document headers helmet adds (a page CSP, COOP, Referrer-Policy, DNS prefetch,
 * Origin-Agent-Cluster, X-XSS-Protection...) only govern documents: they stay on the docs UI.
 */
export const API_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'strict-transport-security': `max-age=${HSTS_MAX_AGE_SECONDS}; includeSubDomains`,
  'x-content-type-options': 'nosniff',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'x-frame-options': 'DENY',
  'cross-origin-resource-policy': 'same-origin',
  'cache-control': 'no-store',
};

/** Swagger UI's page and assets, the only documents the API serves. */
export function isDocumentPath(url: string): boolean {
  const docs = `/${DOCS_PATH}`;
  return url === docs || url.startsWith(`${docs}/`) || url.startsWith(`${docs}?`);
}

/** The policy of the docs UI (Swagger UI): a page, so the whole of helmet's set. */
export const HELMET_OPTIONS: HelmetOptions = {
  contentSecurityPolicy: {
    useDefaults: false,
    directives: {
      defaultSrc: ["'self'"],
      // Swagger UI loads its bundle and init script from /api/docs and needs inline styles.
      scriptSrc: ["'self'"],
      styleSrc: ["'self'", "'unsafe-inline'"],
      imgSrc: ["'self'", 'data:'],
      fontSrc: ["'self'", 'data:'],
      connectSrc: ["'self'"],
      objectSrc: ["'none'"],
      baseUri: ["'self'"],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
    },
  },
  strictTransportSecurity: { maxAge: HSTS_MAX_AGE_SECONDS, includeSubDomains: true },
  referrerPolicy: { policy: 'no-referrer' },
  xFrameOptions: { action: 'deny' },
  xPoweredBy: false,
};

/**
 * The headers helmet sets on the docs UI, computed once at boot by running it against a
 * recording response: @fastify/helmet would rebuild helmet and re-parse the CSP on every request.
 */
export function documentSecurityHeaders(
  options: HelmetOptions = HELMET_OPTIONS,
): Record<string, string> {
  const headers: Record<string, string> = {};
  const recorder = {
    setHeader(name: string, value: string | number | readonly string[]) {
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
    },
    removeHeader(name: string) {
      delete headers[name.toLowerCase()];
    },
  };
  helmet(options)({} as IncomingMessage, recorder as unknown as ServerResponse, () => undefined);
  return headers;
}
