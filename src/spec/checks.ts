/**
 * Checks that throw at once on a value the Gateway API v1.6.1 CRDs (schemas and CEL rules) would reject,
 * naming the object, the field, the value and what is allowed (see where.ts). The constructs run them when
 * users build objects, the synth step on what it is given.
 */
import { isIP } from 'node:net';
import { isPort, MAX_LENGTH, PORT_RANGE } from './limits';
import {
  DNS_LABEL, DNS_SUBDOMAIN, DOMAIN_PREFIXED_PATH, GROUP, HEADER_NAME, HEADER_VALUE, HOSTNAME, KIND, LABEL_NAME, LABEL_VALUE,
  pathValueProblem, regexProblem,
} from './patterns';
import { fail, failObject, show, Where } from './where';

export function checkLength(where: Where, value: string, min: number, max: number): void {
  if (value.length < min) fail(where, value, min === 1 ? 'must not be empty' : `must have at least ${min} characters`);
  if (value.length > max) fail(where, value, `must have at most ${max} characters (has ${value.length})`);
}

/** Namespace names. */
export function checkDnsLabel(where: Where, value: string): void {
  checkLength(where, value, 1, MAX_LENGTH.dnsLabel);
  if (!DNS_LABEL.test(value)) fail(where, value, 'must be a DNS label: lower-case letters, digits and "-", starting and ending with a letter or digit');
}

/** Object names, listener names, section names, rule names. */
export function checkDnsSubdomain(where: Where, value: string): void {
  checkLength(where, value, 1, MAX_LENGTH.dnsSubdomain);
  if (!DNS_SUBDOMAIN.test(value)) {
    fail(where, value, 'must be a DNS subdomain: lower-case letters, digits, "-" and ".", starting and ending with a letter or digit');
  }
}

/** A hostname as Gateway API takes it: lower case, optionally `*.` first, never an IP address. */
export function checkHostname(where: Where, value: string, opts: { wildcard: boolean } = { wildcard: true }): void {
  checkLength(where, value, 1, MAX_LENGTH.hostname);
  if (isIP(value)) fail(where, value, 'must be a hostname, not an IP address');
  if (!opts.wildcard && value.includes('*')) fail(where, value, 'must be a hostname without a wildcard');
  if (!HOSTNAME.test(value)) {
    fail(where, value, opts.wildcard
      ? 'must be a lower-case DNS name, optionally starting with "*." (e.g. "shop.example.com" or "*.example.com")'
      : 'must be a lower-case DNS name (e.g. "shop.example.com")');
  }
}

export function checkPort(where: Where, value: number): void {
  if (!isPort(value)) fail(where, value, `must be an integer between ${PORT_RANGE.min} and ${PORT_RANGE.max}`);
}

export function checkInteger(where: Where, value: number, min: number, max?: number): void {
  if (!Number.isInteger(value) || value < min || (max !== undefined && value > max)) {
    fail(where, value, max === undefined ? `must be an integer of at least ${min}` : `must be an integer between ${min} and ${max}`);
  }
}

export function checkHeaderName(where: Where, value: string): void {
  checkLength(where, value, 1, MAX_LENGTH.headerName);
  if (!HEADER_NAME.test(value)) fail(where, value, 'must be an HTTP header name (letters, digits and !#$%&\'*+-.^_`|~, no spaces or ":")');
}

/** HTTP header values as the HTTPRoute CRD allows them: visible ASCII, single inner spaces or tabs. */
export function checkHeaderValue(where: Where, value: string, max: number = MAX_LENGTH.headerValue): void {
  checkLength(where, value, 1, max);
  if (!HEADER_VALUE.test(value)) {
    fail(where, value, 'must be visible ASCII with single spaces or tabs between words (no leading/trailing space, no control characters)');
  }
}

export function checkGroup(where: Where, value: string): void {
  checkLength(where, value, 0, MAX_LENGTH.group);
  if (!GROUP.test(value)) fail(where, value, 'must be empty (the core API group) or a DNS subdomain such as "gateway.networking.k8s.io"');
}

export function checkKind(where: Where, value: string): void {
  checkLength(where, value, 1, MAX_LENGTH.kind);
  if (!KIND.test(value)) fail(where, value, 'must be a Kubernetes kind (a letter followed by letters, digits or "-")');
}

/** A domain-prefixed path: a GatewayClass controllerName, a custom Gateway address type. */
export function checkControllerName(where: Where, value: string): void {
  checkLength(where, value, 1, MAX_LENGTH.controllerName);
  if (!DOMAIN_PREFIXED_PATH.test(value)) fail(where, value, 'must be a domain-prefixed path such as "example.com/gateway-controller"');
}

/** Label and annotation keys: an optional DNS subdomain prefix and a name of at most 63 characters. */
export function checkQualifiedName(where: Where, key: string): void {
  const parts = key.split('/');
  const name = parts[parts.length - 1];
  const prefix = parts.length === 2 ? parts[0] : undefined;
  const prefixOk = parts.length === 1 ||
    (prefix !== undefined && prefix.length > 0 && prefix.length < MAX_LENGTH.dnsSubdomain && DNS_SUBDOMAIN.test(prefix));
  if (parts.length > 2 || !prefixOk || name.length > MAX_LENGTH.labelValue || !LABEL_NAME.test(name)) {
    fail(where, key, 'must be an optional DNS subdomain prefix and "/" followed by a name of at most 63 letters, digits, "-", "_" or "."');
  }
}

export function checkLabelValue(where: Where, value: string): void {
  if (value.length > MAX_LENGTH.labelValue || !LABEL_VALUE.test(value)) {
    fail(where, value, 'must be at most 63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit');
  }
}

export function checkMaxItems(where: Where, items: readonly unknown[] | undefined, max: number, min = 0): void {
  const n = items?.length ?? 0;
  if (n > max) failObject(where, `has ${n} entries; at most ${max} are allowed`);
  if (n < min) failObject(where, min === 1 ? 'must have at least one entry' : `must have at least ${min} entries`);
}

/** Exact and PathPrefix paths (the HTTPRoute CEL rules, see pathValueProblem). */
export function checkPath(where: Where, value: string): void {
  checkLength(where, value, 1, MAX_LENGTH.path);
  const problem = pathValueProblem(value);
  if (problem) fail(where, value, problem);
}

/** A regular expression the data plane (ECMAScript) can compile. */
export function checkRegex(where: Where, value: string, max: number): void {
  checkLength(where, value, 1, max);
  const problem = regexProblem(value);
  if (problem) fail(where, value, `is not a valid regular expression (${problem})`);
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

/** A CIDR range: an IPv4 or IPv6 address, "/" and a prefix length that fits it (NetworkPolicy ipBlock). */
export function checkCidr(where: Where, value: string): void {
  const [address, prefix, extra] = value.split('/');
  const family = isIP(address ?? '');
  const bits = Number(prefix);
  if (extra !== undefined || family === 0 || !/^\d{1,3}$/.test(prefix ?? '') || bits > (family === 4 ? 32 : 128)) {
    fail(where, value, 'must be a CIDR range: an IPv4 or IPv6 address, "/" and a prefix length (e.g. "203.0.113.0/24")');
  }
}
