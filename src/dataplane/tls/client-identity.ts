import type { X509Certificate } from 'node:crypto';
import type * as tls from 'node:tls';

/**
 * The verified client identity of a TLS connection (absent: no certificate, or one that did not verify), kept
 * on the socket itself: HTTP/2 hands streams a proxy of the session's socket, which reads its properties.
 */
const IDENTITY = Symbol('cdk8s-gateway.clientIdentity');

export function setClientIdentity(socket: tls.TLSSocket, identity: string): void {
  (socket as unknown as Record<symbol, string>)[IDENTITY] = identity;
}

/** The identity to forward for a downstream socket (or an HTTP/2 session's socket proxy), or undefined. */
export function clientIdentity(socket: object | undefined): string | undefined {
  return socket ? (socket as Record<symbol, string | undefined>)[IDENTITY] : undefined;
}

/**
 * A verified client certificate as one header value, in the style of Envoy's x-forwarded-client-cert:
 * `Hash=<sha256 of the DER, hex>;Subject="CN=client,O=example";URI=spiffe://...;DNS=client.example.com`.
 * Subject quotes and backslashes are escaped; URI then DNS, once per SAN of that type.
 */
export function describeClientCertificate(cert: X509Certificate): string {
  const hash = cert.fingerprint256.replace(/:/g, '').toLowerCase();
  const subject = cert.subject.split('\n').join(',').replace(/[\\"]/g, (c) => `\\${c}`);
  let out = `Hash=${hash};Subject="${subject}"`;
  const sans = (cert.subjectAltName ?? '').split(/,\s*/);
  for (const san of sans) if (san.startsWith('URI:')) out += `;URI=${san.slice(4)}`;
  for (const san of sans) if (san.startsWith('DNS:')) out += `;DNS=${san.slice(4)}`;
  // a header value cannot carry control characters
  return out.replace(/[\x00-\x1f\x7f]/g, '');
}
