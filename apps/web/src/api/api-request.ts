import { ApiError, errorMessageOf } from './api-error';

/**
 * Calls the API with the session cookie and JSON bodies. Every non-2xx becomes an ApiError with the
 * API's own message, so each page can show what went wrong where it happened.
 */
export async function apiRequest<T>(method: string, path: string, body?: unknown): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (error) {
    throw new ApiError(0, `API unreachable: ${(error as Error).message}`);
  }
  const text = await response.text();
  const parsed: unknown = text ? safeJson(text) : undefined;
  if (!response.ok)
    throw new ApiError(response.status, errorMessageOf(response.status, response.statusText, parsed));
  return parsed as T;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return { message: text };
  }
}
