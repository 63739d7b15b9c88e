import { createHash, randomBytes } from 'node:crypto';
import { SESSION_COOKIE } from '@xeno/contracts';

/** Personal API tokens start with this, so leaked ones are recognisable (secret scanners, logs). */
export const API_TOKEN_PREFIX = 'xt_';
export const SESSION_LIFETIME_MS = 14 * 24 * 3600 * 1000;

export function newSessionSecret(): string {
  return randomBytes(32).toString('base64url');
}

export function newApiTokenSecret(): string {
  return API_TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

/** 32 random bytes need no slow hash: there is nothing to brute-force, only a leak to make useless. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** The session secret from a raw Cookie header, or undefined. */
export function sessionSecretFromCookieHeader(cookieHeader: string | undefined): string | undefined {
  if (!cookieHeader) return undefined;
  for (const part of cookieHeader.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() !== SESSION_COOKIE) continue;
    const value = part.slice(eq + 1).trim();
    return value.length > 0 ? value : undefined;
  }
  return undefined;
}

/** The token from `Authorization: Bearer <token>`, or undefined. */
export function bearerTokenFromHeader(authorization: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  return match?.[1];
}
