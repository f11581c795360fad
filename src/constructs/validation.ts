/**
 * Construction-time checks that mirror the Gateway API v1.6.1 CRD schemas and CEL rules. Every failure
 * names the object (kind and construct path), the field, the value and what is allowed, e.g.
 *   HttpRoute shop/storefront: rules[2].matches[0].path "api" must start with "/"
 *
 * Internal: not exported from src/index.ts.
 */
import { isIP } from 'node:net';
import { Duration } from 'cdk8s';

/** Where a value lives: the object (`HttpRoute shop/storefront`) and the field path inside it. */
export class Where {
  public constructor(public readonly object: string, public readonly field: string = '') {}

  /** A nested field: `rules[2]` then `.matches[0]` ... */
  public at(field: string | number): Where {
    if (typeof field === 'number') return new Where(this.object, `${this.field}[${field}]`);
    return new Where(this.object, this.field ? `${this.field}.${field}` : field);
  }

  public toString(): string {
    return this.field ? `${this.object}: ${this.field}` : this.object;
  }
}

export class GatewayApiValidationError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'GatewayApiValidationError';
  }
}

/** Throws `<object>: <field> <value> <what is allowed>`. */
export function fail(where: Where, value: unknown, allowed: string): never {
  throw new GatewayApiValidationError(`${where} ${show(value)} ${allowed}`);
}

/** Throws `<object>: <message>` for problems that are not about a single value. */
export function failObject(where: Where, message: string): never {
  throw new GatewayApiValidationError(`${where}: ${message}`);
}

export function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(show).join(', ')}]`;
  return String(value);
}

// --- patterns copied from the CRDs --------------------------------------------------------------

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const HOSTNAME = /^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+\-.^_`|~]+$/;
const HEADER_VALUE = /^[!-~]+([\t ]?[!-~]+)*$/;
const GROUP = /^$|^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const KIND = /^[a-zA-Z]([-a-zA-Z0-9]*[a-zA-Z0-9])?$/;
const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const CONTROLLER_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/[A-Za-z0-9/\-._~%!$&'()*+,;=:]+$/;
const PATH_CHARS = /^(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|[%][0-9a-fA-F]{2})+$/;

export function checkLength(where: Where, value: string, min: number, max: number): void {
  if (value.length < min) fail(where, value, min === 1 ? 'must not be empty' : `must have at least ${min} characters`);
  if (value.length > max) fail(where, value, `must have at most ${max} characters (has ${value.length})`);
}

export function checkDnsLabel(where: Where, value: string): void {
  checkLength(where, value, 1, 63);
  if (!DNS_LABEL.test(value)) fail(where, value, 'must be a DNS label: lower-case letters, digits and "-", starting and ending with a letter or digit');
}

/** Object names, listener names, section names, rule names. */
export function checkDnsSubdomain(where: Where, value: string): void {
  checkLength(where, value, 1, 253);
  if (!DNS_SUBDOMAIN.test(value)) {
    fail(where, value, 'must be a DNS subdomain: lower-case letters, digits, "-" and ".", starting and ending with a letter or digit');
  }
}

/** A hostname as Gateway API takes it: lower case, optionally `*.` first, never an IP address. */
export function checkHostname(where: Where, value: string, opts: { wildcard: boolean } = { wildcard: true }): void {
  checkLength(where, value, 1, 253);
  if (isIP(value)) fail(where, value, 'must be a hostname, not an IP address');
  if (!opts.wildcard && value.includes('*')) fail(where, value, 'must be a hostname without a wildcard');
  if (!HOSTNAME.test(value)) {
    fail(where, value, opts.wildcard
      ? 'must be a lower-case DNS name, optionally starting with "*." (e.g. "shop.example.com" or "*.example.com")'
      : 'must be a lower-case DNS name (e.g. "shop.example.com")');
  }
}

export function checkPort(where: Where, value: number): void {
  if (!Number.isInteger(value) || value < 1 || value > 65535) fail(where, value, 'must be an integer between 1 and 65535');
}

export function checkInteger(where: Where, value: number, min: number, max?: number): void {
  if (!Number.isInteger(value) || value < min || (max !== undefined && value > max)) {
    fail(where, value, max === undefined ? `must be an integer of at least ${min}` : `must be an integer between ${min} and ${max}`);
  }
}

export function checkHeaderName(where: Where, value: string): void {
  checkLength(where, value, 1, 256);
  if (!HEADER_NAME.test(value)) fail(where, value, 'must be an HTTP header name (letters, digits and !#$%&\'*+-.^_`|~, no spaces or ":")');
}

/** HTTP header values as the HTTPRoute CRD allows them: visible ASCII, single inner spaces or tabs. */
export function checkHeaderValue(where: Where, value: string, max = 4096): void {
  checkLength(where, value, 1, max);
  if (!HEADER_VALUE.test(value)) {
    fail(where, value, 'must be visible ASCII with single spaces or tabs between words (no leading/trailing space, no control characters)');
  }
}

export function checkGroup(where: Where, value: string): void {
  checkLength(where, value, 0, 253);
  if (!GROUP.test(value)) fail(where, value, 'must be empty (the core API group) or a DNS subdomain such as "gateway.networking.k8s.io"');
}

export function checkKind(where: Where, value: string): void {
  checkLength(where, value, 1, 63);
  if (!KIND.test(value)) fail(where, value, 'must be a Kubernetes kind (a letter followed by letters, digits or "-")');
}

export function checkControllerName(where: Where, value: string): void {
  checkLength(where, value, 1, 253);
  if (!CONTROLLER_NAME.test(value)) fail(where, value, 'must be a domain-prefixed path such as "example.com/gateway-controller"');
}

/** Label and annotation keys: an optional DNS subdomain prefix and a name of at most 63 characters. */
export function checkQualifiedName(where: Where, key: string): void {
  const parts = key.split('/');
  const name = parts[parts.length - 1];
  const prefixOk = parts.length === 1 || (parts.length === 2 && parts[0].length > 0 && parts[0].length < 253 && DNS_SUBDOMAIN.test(parts[0]));
  if (parts.length > 2 || !prefixOk || name.length > 63 || !LABEL_NAME.test(name)) {
    fail(where, key, 'must be an optional DNS subdomain prefix and "/" followed by a name of at most 63 letters, digits, "-", "_" or "."');
  }
}

export function checkLabelValue(where: Where, value: string): void {
  if (value.length > 63 || !LABEL_VALUE.test(value)) {
    fail(where, value, 'must be at most 63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit');
  }
}

export function checkMaxItems(where: Where, items: readonly unknown[] | undefined, max: number, min = 0): void {
  const n = items?.length ?? 0;
  if (n > max) failObject(where, `has ${n} entries; at most ${max} are allowed`);
  if (n < min) failObject(where, min === 1 ? 'must have at least one entry' : `must have at least ${min} entries`);
}

/**
 * Exact and PathPrefix paths (the HTTPRoute CEL rules): absolute, no `//`, `/./`, `/../`, `%2f`, `#`, no trailing
 * `/.` or `/..`, only URL path characters.
 */
export function checkPath(where: Where, value: string): void {
  checkLength(where, value, 1, 1024);
  if (!value.startsWith('/')) fail(where, value, 'must start with "/"');
  for (const bad of ['//', '/./', '/../', '%2f', '%2F', '#']) {
    if (value.includes(bad)) fail(where, value, `must not contain "${bad}"`);
  }
  if (value.endsWith('/..') || value.endsWith('/.')) fail(where, value, 'must not end with "/." or "/.."');
  if (!PATH_CHARS.test(value)) fail(where, value, 'may only contain URL path characters (A-Z a-z 0-9 - . _ ~ ! $ & \' ( ) * + , ; = : @ / and %XX escapes)');
}

/** A regular expression the data plane (ECMAScript) can compile. */
export function checkRegex(where: Where, value: string, max: number): void {
  checkLength(where, value, 1, max);
  try {
    new RegExp(value);
  } catch (e) {
    fail(where, value, `is not a valid regular expression (${(e as Error).message})`);
  }
}

/** Rejects entries whose names are equal, case-insensitively when `ignoreCase` (header names). */
export function checkUnique(where: Where, names: readonly string[], what: string, ignoreCase: boolean): void {
  const seen = new Map<string, string>();
  for (const n of names) {
    const key = ignoreCase ? n.toLowerCase() : n;
    const prev = seen.get(key);
    if (prev !== undefined) failObject(where, `${what} ${show(n)} appears more than once${ignoreCase && prev !== n ? ` (as ${show(prev)}; names are case-insensitive)` : ''}`);
    seen.set(key, n);
  }
}

/**
 * A cdk8s Duration in Gateway API form: `^([0-9]{1,5}(h|m|s|ms)){1,4}$`, e.g. `1h30m`, `500ms`, `0s`.
 */
export function gatewayDuration(where: Where, d: Duration): string {
  const total = d.toMilliseconds({ integral: false });
  if (!Number.isInteger(total) || total < 0) fail(where, `${total}ms`, 'must be a whole number of milliseconds, at least 0');
  if (total === 0) return '0s';
  const h = Math.floor(total / 3_600_000);
  const m = Math.floor((total % 3_600_000) / 60_000);
  const s = Math.floor((total % 60_000) / 1000);
  const ms = total % 1000;
  if (h > 99999) fail(where, `${total}ms`, 'must be less than 100000 hours');
  return [h ? `${h}h` : '', m ? `${m}m` : '', s ? `${s}s` : '', ms ? `${ms}ms` : ''].join('');
}

/** A short kind label for messages: `HttpRoute shop/storefront`. */
export function describeConstruct(kind: string, path: string): string {
  return `${kind} ${path}`;
}
