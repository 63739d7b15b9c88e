/** An HTTP error from the API, carrying the message its NestJS error body gave (shown to the user as is). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The human message of a NestJS error body ({ message: string | string[] }), or the status line. */
export function errorMessageOf(status: number, statusText: string, body: unknown): string {
  const message = (body as { message?: unknown } | null)?.message;
  if (Array.isArray(message)) return message.join('; ');
  if (typeof message === 'string' && message) return message;
  return `${status} ${statusText}`.trim();
}
