import { randomBytes, timingSafeEqual } from 'node:crypto';

/** What one ECS Exec session may run, fixed when ExecuteCommand creates it. */
export interface ExecTarget {
  readonly accountId: string;
  readonly region: string;
  readonly clusterArn: string;
  readonly taskArn: string;
  readonly containerName: string;
  readonly containerArn?: string;
  /** The Docker container id the command runs in. */
  readonly runtimeId: string;
  /** The command, already split into arguments (ECS runs it without a shell). */
  readonly command: readonly string[];
}

/** Why a data channel's token was refused; the endpoint closes the channel with this. */
export class ExecTokenRejected extends Error {
  constructor(
    readonly reason: 'unknown-session' | 'already-used' | 'expired' | 'invalid-token',
    message: string,
  ) {
    super(message);
    this.name = 'ExecTokenRejected';
  }
}

interface PendingSession {
  readonly sessionId: string;
  readonly token: Buffer;
  readonly target: ExecTarget;
  readonly expiresAt: number;
  used: boolean;
}

export interface ExecSessionsOptions {
  /** How long a token may wait for its data channel, as SSM's short-lived stream tokens. Default 60 s. */
  readonly tokenTtlMs?: number;
  /** The clock; injectable so expiry is tested without waiting. */
  readonly now?: () => number;
}

export const DEFAULT_TOKEN_TTL_MS = 60_000;

/**
 * The sessions ExecuteCommand hands out, each with a random one-time token bound to one task and
 * container. The data channel endpoint claims a session with its token exactly once, before it expires.
 */
export class ExecSessions {
  private readonly sessions = new Map<string, PendingSession>();
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(options: ExecSessionsOptions = {}) {
    this.ttlMs = options.tokenTtlMs ?? DEFAULT_TOKEN_TTL_MS;
    this.now = options.now ?? Date.now;
  }

  /** A new session for `target`: its id (as SSM names ECS Exec sessions) and its one-time token. */
  create(target: ExecTarget): { sessionId: string; tokenValue: string } {
    this.forgetExpired();
    const sessionId = `ecs-execute-command-${randomBytes(9).toString('hex').slice(0, 17)}`;
    const token = randomBytes(32);
    this.sessions.set(sessionId, { sessionId, token, target, expiresAt: this.now() + this.ttlMs, used: false });
    return { sessionId, tokenValue: token.toString('base64url') };
  }

  /** Whether ExecuteCommand created this session (and its token has not expired unused). */
  isKnown(sessionId: string): boolean {
    this.forgetExpired();
    return this.sessions.has(sessionId);
  }

  /**
   * Claims the session with its token: returns what it may run and marks the token used, or throws
   * `ExecTokenRejected`. A wrong token leaves the session claimable by the right one.
   */
  claim(sessionId: string, tokenValue: unknown): ExecTarget {
    const session = this.sessions.get(sessionId);
    if (!session) throw new ExecTokenRejected('unknown-session', `Session ${sessionId} does not exist.`);
    const given = typeof tokenValue === 'string' ? Buffer.from(tokenValue, 'base64url') : Buffer.alloc(0);
    if (given.length !== session.token.length || !timingSafeEqual(given, session.token)) {
      throw new ExecTokenRejected('invalid-token', 'The session token is not valid.');
    }
    if (session.used) throw new ExecTokenRejected('already-used', 'The session token was already used.');
    if (session.expiresAt <= this.now()) throw new ExecTokenRejected('expired', 'The session token has expired.');
    session.used = true;
    return session.target;
  }

  /** Used sessions are kept until their token's expiry too, so a second use is told it was used. */
  private forgetExpired(): void {
    const now = this.now();
    for (const [id, session] of this.sessions) if (session.expiresAt <= now) this.sessions.delete(id);
  }
}
