import type { Pagination } from '../../src/http/envelope';
import type { ErrorBody } from '../../src/http/exception.filter';

export type { ErrorBody };

export interface SuccessBody<T> {
  success: true;
  data: T;
  message: string;
  pagination?: Pagination;
}

/** Response bodies are untyped JSON; tests name the shape they expect and assert it. */
export async function readJson<T>(response: Response): Promise<T> {
  return (await response.json()) as T;
}

export function jsonRequest(
  method: string,
  body: unknown,
  headers: Record<string, string> = {},
): RequestInit {
  return {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  };
}
