import type { TestApp } from './test-app';
import { uniqueSuffix } from './backend';

export const PASSWORD = 'Tr1cky-Pass-for-tests';

export interface ApiBody<T = Record<string, unknown>> {
  success: boolean;
  data: T;
  message: string;
  error?: string;
  statusCode?: number;
  requestId?: string;
  details?: { field: string; messages: string[] }[];
  pagination?: { page: number; limit: number; total: number; totalPages: number };
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
  tokens: { accessToken: string; expiresIn: number; refreshToken?: string; tokenType: string };
}

export interface Registered extends AuthData {
  email: string;
  password: string;
  /** The refresh cookie value (when issued as a cookie). */
  refreshCookie?: string;
}

export async function json<T = Record<string, unknown>>(response: Response): Promise<ApiBody<T>> {
  return (await response.json()) as ApiBody<T>;
}

export function cookieValue(response: Response, name: string): string | undefined {
  for (const header of response.headers.getSetCookie()) {
    const [pair] = header.split(';');
    const [key, value] = pair.split('=');
    if (key.trim() === name) return decodeURIComponent(value ?? '');
  }
  return undefined;
}

export function post(
  t: TestApp,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  return t.request(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

export function bearer(token: string, extra: Record<string, string> = {}): Record<string, string> {
  return { authorization: `Bearer ${token}`, ...extra };
}

export function newSubdomain(prefix = 'org'): string {
  return `${prefix}-${uniqueSuffix().replace(/_/g, '-')}`.toLowerCase().slice(0, 40);
}

export async function register(
  t: TestApp,
  options: { subdomain?: string; email?: string; inBody?: boolean } = {},
): Promise<Registered> {
  const subdomain = options.subdomain ?? newSubdomain();
  const email = options.email ?? `owner@${subdomain}.test`;
  const response = await post(t, '/api/auth/register', {
    organization: { name: `Org ${subdomain}`, subdomain },
    email,
    password: PASSWORD,
    firstName: 'Ada',
    lastName: 'Lovelace',
    ...(options.inBody ? { refreshTokenInBody: true } : {}),
  });
  const body = await json<AuthData>(response);
  if (response.status !== 201)
    throw new Error(`register failed: ${response.status} ${JSON.stringify(body)}`);
  return {
    ...body.data,
    email,
    password: PASSWORD,
    refreshCookie: cookieValue(response, 'refresh_token'),
  };
}

export function login(
  t: TestApp,
  tenant: string,
  email: string,
  password: string,
  extra: Record<string, unknown> = {},
): Promise<Response> {
  return post(t, '/api/auth/login', { email, password, ...extra }, { 'x-tenant-id': tenant });
}
