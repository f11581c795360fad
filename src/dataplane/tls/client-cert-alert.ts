import * as crypto from 'node:crypto';
import type * as net from 'node:net';
import type * as tls from 'node:tls';

/**
 * Fails the TLS handshake of a client whose certificate does not verify, with the alert OpenSSL would send
 * (unknown_ca, certificate_expired, ...), on a tls.Server with requestCert and rejectUnauthorized.
 *
 * Node cannot do it: its OpenSSL verify callback accepts every certificate ("we'll reject in javascript",
 * src/crypto/crypto_tls.cc), the handshake completes, and Node then closes the socket without a word; the
 * client sees a reset, not why. (A client that sends no certificate is refused by OpenSSL itself, with
 * certificate_required / handshake_failure.) So the alert record is written here, on the TCP socket
 * under the TLS socket, before Node closes it:
 * - TLS 1.2: from the 'keylog' callback for the master secret, which OpenSSL runs after it checked the client's
 *   Certificate and before it sends its own Finished: the handshake is not over, and the alert is plaintext
 *   as OpenSSL's own would be;
 * - TLS 1.3: the client's handshake ends with its Finished (its certificate is in that flight), so the alert
 *   goes in the first application record, encrypted with the server's traffic secret from 'keylog'. The server
 *   has sent no application record before 'secure' (its session tickets come later), so the record number is 0.
 *   Were it not, the client would report bad_record_mac instead: still a fatal alert, still refused.
 */
export function alertInvalidClientCertificates(server: tls.Server): void {
  server.on('keylog', onKeylog);
}

/** Undoes alertInvalidClientCertificates (Node then stops computing keylog lines for new connections). */
export function stopAlertingClientCertificates(server: tls.Server): void {
  server.off('keylog', onKeylog);
}

interface TlsInternals {
  /** The TCP socket the TLS socket wraps (absent when it wraps a JS stream). */
  readonly _parent?: net.Socket;
  readonly _handle?: { verifyError(): (Error & { code?: string }) | null } | null;
}

const SECRET = Symbol('cdk8s-gateway.serverTrafficSecret');
type KeyloggedSocket = tls.TLSSocket & TlsInternals & { [SECRET]?: Buffer };

function onKeylog(line: Buffer, socket: KeyloggedSocket): void {
  const text = line.toString('latin1');
  if (text.startsWith('CLIENT_RANDOM ')) {
    // TLS 1.2: the client's Certificate was verified, its Finished is not answered yet
    const err = socket._handle?.verifyError();
    if (err) socket._parent?.write(alertRecord(alertFor(err.code)));
    return;
  }
  if (!text.startsWith('SERVER_TRAFFIC_SECRET_0 ')) return;
  socket[SECRET] = Buffer.from(text.slice(text.lastIndexOf(' ') + 1).trim(), 'hex');
  // before Node's own listener, which closes the socket when the certificate did not verify
  socket.prependOnceListener('secure', () => {
    const secret = socket[SECRET]!;
    delete socket[SECRET];
    const err = socket._handle?.verifyError();
    const suite = SUITES[socket.getCipher().standardName];
    if (!err || !suite) return;
    // synchronous on an idle socket: out before Node closes the TCP handle
    socket._parent?.write(tls13AlertRecord(suite, secret, alertFor(err.code)));
  });
}

const ALERT_CERTIFICATE_EXPIRED = 45;
const ALERT_CERTIFICATE_REVOKED = 44;
const ALERT_UNKNOWN_CA = 48;
const ALERT_BAD_CERTIFICATE = 42;
const ALERT_UNSUPPORTED_CERTIFICATE = 43;

/** The alert for an X509 verification error, as OpenSSL's ssl_verify_alarm_type chooses it. */
function alertFor(code: string | undefined): number {
  switch (code) {
    case 'CERT_HAS_EXPIRED':
    case 'CERT_NOT_YET_VALID':
      return ALERT_CERTIFICATE_EXPIRED;
    case 'CERT_REVOKED':
      return ALERT_CERTIFICATE_REVOKED;
    case 'UNABLE_TO_GET_ISSUER_CERT':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'CERT_UNTRUSTED':
    case 'CERT_REJECTED':
      return ALERT_UNKNOWN_CA;
    case 'INVALID_PURPOSE':
      return ALERT_UNSUPPORTED_CERTIFICATE;
    default:
      return ALERT_BAD_CERTIFICATE;
  }
}

/** A plaintext fatal alert record in TLS 1.2 framing. */
function alertRecord(description: number): Buffer {
  return Buffer.from([21, 3, 3, 0, 2, 2, description]);
}

interface Suite {
  readonly cipher: crypto.CipherGCMTypes | crypto.CipherChaCha20Poly1305Types;
  readonly keyLength: number;
  readonly hash: string;
}

const SUITES: Record<string, Suite | undefined> = {
  TLS_AES_128_GCM_SHA256: { cipher: 'aes-128-gcm', keyLength: 16, hash: 'sha256' },
  TLS_AES_256_GCM_SHA384: { cipher: 'aes-256-gcm', keyLength: 32, hash: 'sha384' },
  TLS_CHACHA20_POLY1305_SHA256: { cipher: 'chacha20-poly1305', keyLength: 32, hash: 'sha256' },
};

/** A fatal alert as the first TLS 1.3 application record (RFC 8446 5.2) under `secret`. */
function tls13AlertRecord(suite: Suite, secret: Buffer, description: number): Buffer {
  const key = expandLabel(suite.hash, secret, 'key', suite.keyLength);
  // the per-record nonce is the IV XOR the record number, 0
  const nonce = expandLabel(suite.hash, secret, 'iv', 12);
  // alert (level fatal, description) then the inner content type (alert); no padding
  const inner = Buffer.from([2, description, 21]);
  const header = Buffer.from([23, 3, 3, 0, inner.length + 16]);
  const cipher = crypto.createCipheriv(suite.cipher as crypto.CipherGCMTypes, key, nonce, { authTagLength: 16 });
  cipher.setAAD(header);
  return Buffer.concat([header, cipher.update(inner), cipher.final(), cipher.getAuthTag()]);
}

/** HKDF-Expand-Label (RFC 8446 7.1) for outputs no longer than the hash. */
function expandLabel(hash: string, secret: Buffer, label: string, length: number): Buffer {
  const full = Buffer.from(`tls13 ${label}`, 'latin1');
  const head = Buffer.alloc(3);
  head.writeUInt16BE(length);
  head[2] = full.length;
  // the label, an empty context, then HKDF-Expand's first block counter
  const info = Buffer.concat([head, full, Buffer.from([0, 1])]);
  return crypto.createHmac(hash, secret).update(info).digest().subarray(0, length);
}
