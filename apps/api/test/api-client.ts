import { SESSION_COOKIE, type SessionResponse } from '@xeno/contracts';
import { randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';

export interface ApiAnswer {
  status: number;
  // Tests read whatever JSON the route answered.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  setCookie: string | null;
}

/** fetch against a started test app, JSON in and out, with a session cookie or a bearer token. */
export function apiClient(baseUrl: string) {
  const call = async (
    method: string,
    path: string,
    options: { body?: unknown; cookie?: string; token?: string; headers?: Record<string, string> } = {},
  ): Promise<ApiAnswer> => {
    const headers: Record<string, string> = { ...options.headers };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    if (options.cookie) headers.cookie = options.cookie;
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    const response = await fetch(baseUrl + path, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    const text = await response.text();
    return {
      status: response.status,
      // Non-JSON answers (console log text, /metrics) come back as their text.
      body: !text
        ? undefined
        : (response.headers.get('content-type') ?? '').includes('json')
          ? JSON.parse(text)
          : text,
      setCookie: response.headers.get('set-cookie'),
    };
  };

  /** A new tenant and its owner, logged in. */
  const signUp = async (): Promise<{ cookie: string; session: SessionResponse }> => {
    const email = `user-${randomBytes(4).toString('hex')}@example.test`;
    const answer = await call('POST', '/api/auth/signup', {
      body: { email, password: 'correct horse battery', tenantName: `tenant ${email}` },
    });
    if (answer.status !== 201)
      throw new Error(`sign-up answered ${answer.status}: ${JSON.stringify(answer.body)}`);
    const match = new RegExp(`${SESSION_COOKIE}=([^;]+)`).exec(answer.setCookie ?? '');
    if (!match) throw new Error('sign-up set no session cookie');
    return { cookie: `${SESSION_COOKIE}=${match[1]}`, session: answer.body as SessionResponse };
  };

  /**
   * A new tenant whose owner is then made a platform admin in the database (the first-admin bootstrap
   * only runs on an empty users table, which a shared test database rarely is).
   */
  const signUpAdmin = async (
    dataSource: DataSource,
  ): Promise<{ cookie: string; session: SessionResponse }> => {
    const user = await signUp();
    await dataSource.query(`UPDATE "users" SET "role" = 'platform-admin' WHERE "id" = $1`, [
      user.session.user.id,
    ]);
    return { ...user, session: { ...user.session, user: { ...user.session.user, role: 'platform-admin' } } };
  };

  return { call, signUp, signUpAdmin };
}
