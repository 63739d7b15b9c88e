/** Personal API tokens: `Authorization: Bearer <token>`. Hashed at rest; the secret is shown once. */

/** Body of POST /api/tokens. */
export interface CreateApiTokenRequest {
  /** Label shown in the token list, 1..100 characters. */
  name: string;
  /** Days until it expires (1..365); absent = never. */
  expiresInDays?: number;
}

export interface ApiTokenView {
  id: string;
  name: string;
  /** First characters of the token, to recognise it (e.g. `xt_3f9a`). */
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string | null;
}

/** Response of POST /api/tokens (201): the only time `token` is ever returned. */
export interface CreatedApiToken extends ApiTokenView {
  token: string;
}
