import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** ECR authorization tokens are valid for 12 hours. */
export const TOKEN_LIFETIME_MS = 12 * 60 * 60 * 1000;

export interface TokenScope {
  readonly accountId: string;
  readonly region: string;
}

/**
 * Registry passwords (`AWS:<password>` is what GetAuthorizationToken hands out, base64'd) that need no
 * state: the account, region and expiry, signed with a key of this gateway. With persistence the key is
 * kept in the data directory, so `docker login` survives a restart as it does in AWS for 12 hours.
 */
export class AuthTokens {
  private constructor(private readonly key: Buffer) {}

  /** A key kept in `<dir>/token-key` (created on first use), or a fresh one when `dir` is undefined. */
  static open(dir: string | undefined): AuthTokens {
    if (!dir) return new AuthTokens(randomBytes(32));
    const file = path.join(dir, 'token-key');
    fs.mkdirSync(dir, { recursive: true });
    try {
      return new AuthTokens(Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'hex'));
    } catch {
      const key = randomBytes(32);
      // Written whole then renamed, so a kill -9 never leaves half a key.
      fs.writeFileSync(`${file}.tmp`, key.toString('hex'), { mode: 0o600 });
      fs.renameSync(`${file}.tmp`, file);
      return new AuthTokens(key);
    }
  }

  /** The password for the registry user `AWS`, and when it expires. */
  issue(scope: TokenScope, now: number): { password: string; expiresAt: Date } {
    const expires = now + TOKEN_LIFETIME_MS;
    const payload = Buffer.from(JSON.stringify({ a: scope.accountId, r: scope.region, e: expires })).toString(
      'base64url',
    );
    return { password: `${payload}.${this.sign(payload)}`, expiresAt: new Date(expires) };
  }

  /** The scope a password grants, or why it grants nothing. */
  verify(password: string, now: number): TokenScope | { readonly refused: string } {
    const [payload, signature, extra] = password.split('.');
    if (!payload || !signature || extra !== undefined) return { refused: 'invalid authorization token' };
    const expected = Buffer.from(this.sign(payload));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
      return { refused: 'invalid authorization token' };
    }
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as {
      a: string;
      r: string;
      e: number;
    };
    if (claims.e <= now) return { refused: 'Your authorization token has expired. Reauthenticate and try again.' };
    return { accountId: claims.a, region: claims.r };
  }

  private sign(payload: string): string {
    return createHmac('sha256', this.key).update(payload).digest('base64url');
  }
}
