/**
 * Checks of an HTTP/1.x request head that llhttp does not make, done before the request is routed. They follow
 * RFC 9110/9112 and, where those leave room, what nginx answers (issue 17, item 6):
 * - a Host that is not `host[:port]` (RFC 3986: a reg-name, an IPv4 address or a bracketed IPv6 literal, then an
 *   optional port of digits) is 400: `a b`, `x/y?#`, `a@b`, `a:b`, `a:80:80`, `[::1`, control or non-ASCII
 *   characters; like nginx, `..` in a name is 400 too;
 * - a request line with major version 2 or above (`HTTP/2.0`, `HTTP/3.0`) is 505; `HTTP/0.x` is 400; any HTTP/1
 *   minor version is served as HTTP/1.1 (RFC 9110 section 6.2, as nginx does).
 */

const REG_NAME = "(?:[A-Za-z0-9\\-._~!$&'()*+,;=]|%[0-9A-Fa-f]{2})+";
const IP_LITERAL = '\\[[0-9A-Fa-f:.]+\\]';
const HOST_PORT = new RegExp(`^(?:${REG_NAME}|${IP_LITERAL})(?::([0-9]{0,5}))?$`);

/** Why a non-empty Host header value is not `host[:port]`, or undefined when it is. */
export function hostHeaderError(host: string): string | undefined {
  const m = HOST_PORT.exec(host);
  if (!m) return `Host ${JSON.stringify(host)} is not a valid host[:port]`;
  if (m[1] !== undefined && m[1] !== '' && Number(m[1]) > 65535) return `Host ${JSON.stringify(host)} has a port above 65535`;
  if (host.includes('..')) return `Host ${JSON.stringify(host)} has an empty label ("..")`;
  return undefined;
}

/** What a request line's HTTP version gets: served, 400 or 505. */
export function versionVerdict(major: number): 'ok' | 'bad' | 'unsupported' {
  if (major === 1) return 'ok';
  return major === 0 ? 'bad' : 'unsupported';
}
