/**
 * Accounts and sessions. A browser logs in and gets an httpOnly session cookie (SESSION_COOKIE); scripts
 * send a personal API token as `Authorization: Bearer <token>`. Both resolve to the same RequestPrincipal.
 */

/** owner / member act inside their own tenant; platform-admin operates the whole service. */
export type UserRole = 'owner' | 'member' | 'platform-admin';

/** Name of the httpOnly session cookie (its value is a random session id; the API stores only its hash). */
export const SESSION_COOKIE = 'xeno_session';

/** Who is calling, as every guarded route (and the console gateway) sees it. */
export interface RequestPrincipal {
  userId: string;
  tenantId: string;
  role: UserRole;
  /** How the caller authenticated. */
  via: 'session' | 'token';
}

/** Body of POST /api/auth/signup: creates a tenant and its owner, and logs the owner in. */
export interface SignUpRequest {
  email: string;
  /** 10..200 characters. */
  password: string;
  /** 1..200 characters. */
  tenantName: string;
}

/** Body of POST /api/auth/login. */
export interface LogInRequest {
  email: string;
  password: string;
}

export interface UserView {
  id: string;
  email: string;
  role: UserRole;
  tenantId: string;
  /** ISO 8601. */
  createdAt: string;
}

export interface TenantView {
  id: string;
  name: string;
  createdAt: string;
}

/** Response of signup, login, invite acceptance and GET /api/auth/me. */
export interface SessionResponse {
  user: UserView;
  tenant: TenantView;
}
