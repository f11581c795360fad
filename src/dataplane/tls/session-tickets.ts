import * as crypto from 'node:crypto';
import type * as tls from 'node:tls';

/** How long one ticket key encrypts new tickets; a ticket is accepted for up to two periods. */
export const TICKET_KEY_PERIOD_MS = 3_600_000;

interface TicketKey {
  readonly name: Buffer;
  readonly hmac: Buffer;
  readonly aes: Buffer;
}

/** What Node's ticket key callback returns: [result, hmac key, aes key] (+ [key name, iv] when encrypting). */
type TicketKeyResult = [number, Buffer, Buffer] | [number, Buffer, Buffer, Buffer, Buffer];

/** Node's SecureContext binding: a callback property and a switch (no public API; Node's own tests use them). */
interface NativeContext {
  onticketkeycallback?: (name: Buffer, iv: Buffer, enc: boolean) => TicketKeyResult;
  enableTicketKeyCallback?: () => void;
  setSessionIdContext?: (id: string) => void;
}

/**
 * The session ID context of every context that issues or accepts tickets. OpenSSL resumes a session only in the
 * session ID context it was made in, and Node's default for a server is a hash of the process's command line,
 * which differs between replicas started with other arguments: one fixed value for all.
 */
export const SESSION_ID_CONTEXT = 'cdk8s-gateway';

/**
 * TLS session ticket keys every replica of a Gateway derives alike, so that a client resumes its session on
 * whichever replica its next connection reaches. The keys are HKDF-SHA256 of a secret all replicas share (the
 * port's default certificate's private key: the same Secret is mounted in every replica) and the number of the
 * current hour: they rotate every TICKET_KEY_PERIOD_MS on every replica at once with no coordination, and a
 * ticket of the previous period is still accepted (and replaced by one under the current key). A ticket older
 * than that, or from a replica with another certificate, gets a full handshake: never an error.
 *
 * Node's tls.Server keeps one ticket key (setTicketKeys); accepting two needs the ticket key callback of its
 * SecureContext binding. OpenSSL calls it through the context the connection uses when the ticket is made,
 * which after SNI is the listener's certificate context, so the callback is installed on those too (`adopt`).
 */
export class SessionTicketKeys {
  private readonly keys = new Map<number, TicketKey>();

  constructor(private readonly secret: string, private readonly now: () => number = Date.now) {}

  /** Installs the callback on a tls.Server's current context (again after every setSecureContext). */
  public attach(server: tls.Server): void {
    const ctx = (server as unknown as { _sharedCreds?: { context?: NativeContext } })._sharedCreds?.context;
    if (!ctx?.enableTicketKeyCallback) return;
    ctx.onticketkeycallback = this.callback;
    ctx.enableTicketKeyCallback();
    ctx.setSessionIdContext?.(SESSION_ID_CONTEXT);
  }

  /** Installs the callback on a secure context handed out by SNI. */
  public adopt(context: tls.SecureContext): void {
    const ctx = (context as unknown as { context?: NativeContext }).context;
    if (!ctx || ctx.onticketkeycallback === this.callback) return;
    ctx.onticketkeycallback = this.callback;
    ctx.setSessionIdContext?.(SESSION_ID_CONTEXT);
  }

  /** The key of a period (derived once, the last three kept). */
  public key(period: number): TicketKey {
    let k = this.keys.get(period);
    if (!k) {
      const bytes = Buffer.from(crypto.hkdfSync('sha256', this.secret, 'cdk8s-gateway session tickets', `period ${period}`, 48));
      k = { name: bytes.subarray(0, 16), hmac: bytes.subarray(16, 32), aes: bytes.subarray(32, 48) };
      this.keys.set(period, k);
      for (const p of this.keys.keys()) if (p < period - 1) this.keys.delete(p);
    }
    return k;
  }

  /** Encrypt (1: a new ticket under the current key) or decrypt (1: current key, 2: previous key, renew; 0: unknown, full handshake). */
  private readonly callback = (name: Buffer, _iv: Buffer, enc: boolean): TicketKeyResult => {
    const period = Math.floor(this.now() / TICKET_KEY_PERIOD_MS);
    const current = this.key(period);
    if (enc) return [1, current.hmac, current.aes, current.name, crypto.randomBytes(16)];
    if (name.equals(current.name)) return [1, current.hmac, current.aes];
    const previous = this.key(period - 1);
    if (name.equals(previous.name)) return [2, previous.hmac, previous.aes];
    return [0, current.hmac, current.aes];
  };
}
