import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Redis } from 'ioredis';

/** What a share link lets its holder do: watch one domain's console, read-only, until `expiresAt`. */
export interface ConsoleShare {
  domainId: string;
  tenantId: string;
  /** Epoch milliseconds. */
  expiresAt: number;
}

export const SHARE_TTL_DEFAULT_SECONDS = 3_600;
export const SHARE_TTL_MAX_SECONDS = 86_400;

/**
 * Signs and checks console share tokens: `<payload>.<HMAC-SHA256>`, both base64url. The key is random
 * and kept in Redis (set once, first writer wins), so every API instance verifies what any other signed
 * and nothing secret is configured by hand. A token carries its domain, tenant and expiry; it cannot be
 * widened to another domain or extended without the key.
 */
export class ConsoleShareTokens {
  private key: Promise<Buffer> | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly now: () => number = Date.now,
  ) {}

  async sign(share: ConsoleShare): Promise<string> {
    const payload = Buffer.from(JSON.stringify({ d: share.domainId, t: share.tenantId, e: share.expiresAt }));
    const encoded = payload.toString('base64url');
    return `${encoded}.${this.mac(await this.signingKey(), encoded).toString('base64url')}`;
  }

  /** The share a token grants, or why not: a forged or malformed token and an expired one differ. */
  async verify(token: string): Promise<{ share: ConsoleShare } | { error: 'invalid' | 'expired' }> {
    const match = /^([\w-]{1,1000})\.([\w-]{43})$/.exec(token);
    if (!match) return { error: 'invalid' };
    const [, encoded, signature] = match;
    const expected = this.mac(await this.signingKey(), encoded!);
    const given = Buffer.from(signature!, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { error: 'invalid' };
    const share = parsePayload(encoded!);
    if (!share) return { error: 'invalid' };
    if (share.expiresAt <= this.now()) return { error: 'expired' };
    return { share };
  }

  private mac(key: Buffer, encoded: string): Buffer {
    return createHmac('sha256', key).update(encoded).digest();
  }

  private signingKey(): Promise<Buffer> {
    this.key ??= this.loadKey().catch((error: unknown) => {
      this.key = undefined; // Redis was unreachable: try again next time
      throw error;
    });
    return this.key;
  }

  private async loadKey(): Promise<Buffer> {
    const name = `${this.prefix}console:share-key`;
    await this.redis.set(name, randomBytes(32).toString('base64'), 'NX');
    const stored = await this.redis.get(name);
    if (!stored) throw new Error('console share key missing');
    return Buffer.from(stored, 'base64');
  }
}

function parsePayload(encoded: string): ConsoleShare | undefined {
  try {
    const value = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8')) as Record<string, unknown>;
    if (typeof value.d !== 'string' || typeof value.t !== 'string' || !Number.isSafeInteger(value.e))
      return undefined;
    return { domainId: value.d, tenantId: value.t, expiresAt: value.e as number };
  } catch {
    return undefined;
  }
}
