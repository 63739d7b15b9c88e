/**
 * The public REST API as a load scenario sees it: plain fetch with a bearer token (or the session cookie
 * that sign-up sets), JSON in and out. A non-2xx answer becomes an ApiError carrying the status and the
 * API's own message, so a run's error table says what the server refused and why.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly method: string,
    readonly route: string,
    message: string,
    /** Seconds from a 429's Retry-After header. */
    readonly retryAfterS?: number,
  ) {
    super(`${method} ${route} → ${status}: ${message}`);
  }
}

export interface Credentials {
  /** `Authorization: Bearer` token (preferred: it is what scripts use). */
  token?: string;
  /** Cookie header value, e.g. `xeno_session=...`. */
  cookie?: string;
}

export class HttpClient {
  constructor(
    readonly baseUrl: string,
    private credentials: Credentials = {},
  ) {}

  withCredentials(credentials: Credentials): HttpClient {
    return new HttpClient(this.baseUrl, credentials);
  }

  get auth(): Readonly<Credentials> {
    return this.credentials;
  }

  get<T>(route: string): Promise<T> {
    return this.request<T>('GET', route);
  }

  post<T>(route: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
    return this.request<T>('POST', route, body, headers);
  }

  delete<T>(route: string): Promise<T> {
    return this.request<T>('DELETE', route);
  }

  /** Like request(), but also returns the response's set-cookie header (sign-up and log-in). */
  async postForCookie<T>(route: string, body: unknown): Promise<{ body: T; cookie: string | undefined }> {
    const response = await this.send('POST', route, body, {});
    const cookie = response.headers
      .getSetCookie()
      .map((header) => header.split(';')[0])
      .join('; ');
    return { body: await this.parse<T>(response, 'POST', route), cookie: cookie || undefined };
  }

  async request<T>(
    method: string,
    route: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<T> {
    return this.parse<T>(await this.send(method, route, body, headers), method, route);
  }

  private send(
    method: string,
    route: string,
    body: unknown,
    headers: Record<string, string>,
  ): Promise<Response> {
    const all: Record<string, string> = { accept: 'application/json', ...headers };
    if (body !== undefined) all['content-type'] = 'application/json';
    if (this.credentials.token) all.authorization = `Bearer ${this.credentials.token}`;
    else if (this.credentials.cookie) all.cookie = this.credentials.cookie;
    return fetch(new URL(route, this.baseUrl), {
      method,
      headers: all,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
  }

  private async parse<T>(response: Response, method: string, route: string): Promise<T> {
    const text = await response.text();
    if (!response.ok) {
      let message = text.slice(0, 300) || response.statusText;
      try {
        const parsed = JSON.parse(text) as { message?: unknown };
        if (parsed.message !== undefined)
          message = Array.isArray(parsed.message) ? parsed.message.join('; ') : String(parsed.message);
      } catch {
        // not JSON: keep the raw text
      }
      const retryAfter = Number(response.headers.get('retry-after'));
      throw new ApiError(
        response.status,
        method,
        route.replace(/[0-9a-f-]{36}/g, ':id'),
        message,
        Number.isFinite(retryAfter) && retryAfter > 0 ? Math.min(retryAfter, 60) : undefined,
      );
    }
    return (text ? JSON.parse(text) : undefined) as T;
  }
}
