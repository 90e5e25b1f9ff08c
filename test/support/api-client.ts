import { Agent, request as httpRequest } from 'node:http';
import type { Pagination } from '../../src/http/envelope';
import { CSRF_HEADER, REFRESH_COOKIE } from '../../src/modules/auth/refresh-cookie';
import { uniqueSuffix } from './backend';

/**
 * The one HTTP client of the e2e tier. Every request goes through node:http, so any header can
 * be set (Host included, which fetch refuses), a body can be sent exactly as given, and each
 * answer carries the time it was sent and read (the session model reasons about lifetimes).
 */

export const PASSWORD = 'Tr1cky-Pass-for-tests';

/** Both envelopes in one shape: success fields, and the error fields an error answer adds. */
export interface ApiBody<T = unknown> {
  success: boolean;
  data: T;
  message: string;
  error?: string;
  statusCode?: number;
  requestId?: string;
  details?: { field: string; messages: string[] }[];
  pagination?: Pagination;
}

export interface Tokens {
  accessToken: string;
  expiresIn: number;
  /** Only with `refreshTokenInBody: true`; browsers get the cookie instead. */
  refreshToken?: string;
  tokenType: string;
}

export interface AuthData {
  user: {
    id: string;
    email: string;
    roles: string[];
    permissions: string[];
    organizationId: string;
  };
  organization: { id: string; name: string; subdomain: string };
  tokens: Tokens;
}

/** What GET /api/auth/me answers. */
export type MeData = Omit<AuthData, 'tokens'>;

export interface Registered extends AuthData {
  email: string;
  password: string;
  /** The refresh cookie value (when issued as a cookie). */
  refreshCookie?: string;
}

/** Anything with a base URL: a TestApp, or a server the test started itself. */
export interface ApiTarget {
  baseUrl: string;
}

export interface RequestOptions {
  /** Sent as `Authorization: Bearer <token>`. */
  token?: string;
  /** A raw Authorization header (overrides token). */
  authorization?: string;
  /** Serialized as JSON, with `Content-Type: application/json`. */
  body?: unknown;
  /** A body sent exactly as given, with no Content-Type unless `headers` names one. */
  rawBody?: string | Buffer;
  /** Sent as `X-Tenant-ID`. */
  tenant?: string;
  /** The Host header without the port, e.g. `acme.localhost`. */
  host?: string;
  /** A refresh cookie value, sent as `Cookie: refresh_token=<value>`. */
  refreshCookie?: string;
  /** Adds `X-CSRF-Protection: 1`, which every cookie-authenticated call needs. */
  csrf?: boolean;
  /** Extra headers; they win over everything above. */
  headers?: Record<string, string>;
  /** The client's source address: any 127.x.y.z on loopback, to stand for distinct clients. */
  localAddress?: string;
}

export class ApiResponse<T = unknown> {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number,
    readonly headers: Headers,
    readonly text: string,
    /** Date.now() before the request was sent and after its answer was read. */
    readonly from: number,
    readonly to: number,
  ) {}

  /** The JSON body; reading it throws, naming the request, when the answer is not JSON. */
  get body(): ApiBody<T> {
    try {
      return JSON.parse(this.text) as ApiBody<T>;
    } catch {
      throw new Error(`${this.describe()}: the answer is not JSON`);
    }
  }

  /** The JSON body, or null when the answer is not JSON: for walks that probe every route. */
  get bodyOrNull(): ApiBody<T> | null {
    try {
      return JSON.parse(this.text) as ApiBody<T>;
    } catch {
      return null;
    }
  }

  /** The JSON body read as the envelope of another data shape than the request declared. */
  json<U>(): ApiBody<U> {
    return this.body as ApiBody<unknown> as ApiBody<U>;
  }

  /** The JSON answer as it is, for answers that are no envelope (health, the OpenAPI document). */
  document<U>(): U {
    return JSON.parse(this.text) as U;
  }

  /** `GET /api/x -> 500 {...}`: what a failed expectation prints. */
  describe(): string {
    return `${this.method} ${this.path.slice(0, 120)} -> ${this.status} ${this.text.slice(0, 300)}`;
  }
}

/**
 * No keep-alive: an idle pooled socket would hold the app's close() until Fastify's
 * keep-alive timeout, several seconds per suite.
 */
const agent = new Agent({ keepAlive: false });

export function request<T = unknown>(
  target: ApiTarget,
  method: string,
  path: string,
  options: RequestOptions = {},
): Promise<ApiResponse<T>> {
  const url = new URL(target.baseUrl + path);
  const payload = options.body === undefined ? options.rawBody : JSON.stringify(options.body);
  const authorization =
    options.authorization ?? (options.token ? `Bearer ${options.token}` : undefined);
  const headers: Record<string, string> = {
    ...(options.host ? { host: `${options.host}:${url.port}` } : {}),
    ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
    ...(payload !== undefined ? { 'content-length': String(Buffer.byteLength(payload)) } : {}),
    ...(authorization !== undefined ? { authorization } : {}),
    ...(options.tenant ? { 'x-tenant-id': options.tenant } : {}),
    ...(options.refreshCookie !== undefined
      ? { cookie: `${REFRESH_COOKIE}=${options.refreshCookie}` }
      : {}),
    ...(options.csrf ? { [CSRF_HEADER]: '1' } : {}),
    ...options.headers,
  };
  const from = Date.now();
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname + url.search,
        method,
        headers,
        agent,
        localAddress: options.localAddress,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const received = new Headers();
          for (let index = 0; index < res.rawHeaders.length; index += 2)
            received.append(res.rawHeaders[index], res.rawHeaders[index + 1]);
          const text = Buffer.concat(chunks).toString('utf8');
          resolve(
            new ApiResponse<T>(method, path, res.statusCode ?? 0, received, text, from, Date.now()),
          );
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

export function bearer(token: string, extra: Record<string, string> = {}): Record<string, string> {
  return { authorization: `Bearer ${token}`, ...extra };
}

/** The value of a cookie the answer sets; undefined when it sets none of that name. */
export function cookieValue(response: ApiResponse<unknown>, name: string): string | undefined {
  for (const header of response.headers.getSetCookie()) {
    const [pair] = header.split(';');
    const [key, value] = pair.split('=');
    if (key.trim() === name) return decodeURIComponent(value ?? '');
  }
  return undefined;
}

export function refreshCookieOf(response: ApiResponse<unknown>): string | undefined {
  return cookieValue(response, REFRESH_COOKIE);
}

export function newSubdomain(prefix = 'org'): string {
  return `${prefix}-${uniqueSuffix().replace(/_/g, '-')}`.toLowerCase().slice(0, 40);
}

/** A new organization and its owner; throws unless the API answers 201. */
export async function register(
  t: ApiTarget,
  options: { subdomain?: string; email?: string; inBody?: boolean } = {},
): Promise<Registered> {
  const subdomain = options.subdomain ?? newSubdomain();
  const email = options.email ?? `owner@${subdomain}.test`;
  const response = await request<AuthData>(t, 'POST', '/api/auth/register', {
    body: {
      organization: { name: `Org ${subdomain}`, subdomain },
      email,
      password: PASSWORD,
      firstName: 'Ada',
      lastName: 'Lovelace',
      ...(options.inBody ? { refreshTokenInBody: true } : {}),
    },
  });
  if (response.status !== 201) throw new Error(`register failed: ${response.describe()}`);
  return {
    ...response.body.data,
    email,
    password: PASSWORD,
    refreshCookie: refreshCookieOf(response),
  };
}

/** POST /api/auth/login in the organization `tenant` (subdomain or id); `extra` joins the body. */
export function login(
  t: ApiTarget,
  tenant: string,
  email: string,
  password: string,
  extra: Record<string, unknown> = {},
): Promise<ApiResponse<AuthData>> {
  return request<AuthData>(t, 'POST', '/api/auth/login', {
    body: { email, password, ...extra },
    tenant,
  });
}

export function me(t: ApiTarget, token: string): Promise<ApiResponse<MeData>> {
  return request<MeData>(t, 'GET', '/api/auth/me', { token });
}

/** The tokens of a login, register or refresh answer; throws unless it succeeded. */
export function tokensOf(response: ApiResponse<AuthData>): Tokens {
  if (response.status !== 200 && response.status !== 201)
    throw new Error(`no tokens: ${response.describe()}`);
  return response.body.data.tokens;
}

/** Rotates a refresh token sent in the body (no cookie, so no CSRF header is needed). */
export function refreshInBody(t: ApiTarget, refreshToken: string): Promise<ApiResponse<AuthData>> {
  return request<AuthData>(t, 'POST', '/api/auth/refresh', { body: { refreshToken } });
}

/** Rotates the refresh cookie as a browser does: the cookie, the CSRF header, no body. */
export function refreshWithCookie(
  t: ApiTarget,
  refreshCookie: string,
  headers: Record<string, string> = {},
): Promise<ApiResponse<AuthData>> {
  return request<AuthData>(t, 'POST', '/api/auth/refresh', {
    refreshCookie,
    csrf: true,
    headers,
  });
}
