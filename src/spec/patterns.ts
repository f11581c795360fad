/**
 * The string patterns of the Gateway API v1.6.1 CRDs (and of Kubernetes object names), one copy for every
 * layer: the constructs check what users write with them, the compiler checks raw objects, the synth step
 * checks what it renders. Each `is…` adds the length limit the CRD puts next to the pattern.
 */
import { MAX_LENGTH } from './limits';

/** RFC 1123 label: namespaces (and Service port names, see PORT_NAME). */
export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** RFC 1123 subdomain: object names, listener and section names, rule names. */
export const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** A Gateway API Hostname: an optional `*.` wildcard label, then a lower-case subdomain. */
export const HOSTNAME = /^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** RFC 7230 token: header names (and query parameter names). */
export const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+\-.^_`|~]+$/;
/** Header values the spec allows: visible ASCII, single spaces or tabs between words. */
export const HEADER_VALUE = /^[!-~]+([\t ]?[!-~]+)*$/;
/** An API group: empty (the core group) or a subdomain. */
export const GROUP = /^$|^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** A Kubernetes kind. */
export const KIND = /^[a-zA-Z]([-a-zA-Z0-9]*[a-zA-Z0-9])?$/;
/** The name part of a label or annotation key. */
export const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
/** A label value (may be empty). */
export const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
/** A domain-prefixed path: GatewayClass controllerName, custom Gateway address types (`example.com/pool`). */
export const DOMAIN_PREFIXED_PATH = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/[A-Za-z0-9/\-._~%!$&'()*+,;=:]+$/;
/** Characters of Exact and PathPrefix path values (and external auth paths). */
export const PATH_CHARS = /^(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|[%][0-9a-fA-F]{2})+$/;
/** A CORS allowOrigins entry: `*`, or `http(s)://host[:port]` where host may be `*` or start with `*.`. */
export const CORS_ORIGIN = /(^\*$)|(^(http(s)?):\/\/(((\*\.)?([a-zA-Z0-9-]+\.)*[a-zA-Z0-9-]+|\*)(:([0-9]{1,5}))?)$)/;
/** A Kubernetes port name (IANA_SVC_NAME): at most 15 lower-case letters, digits and "-", with a letter. */
export const PORT_NAME = /^(?=.{1,15}$)(?=.*[a-z])[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** A DNS label of at most 63 characters (a namespace name). */
export function isDnsLabel(value: string): boolean {
  return value.length <= MAX_LENGTH.dnsLabel && DNS_LABEL.test(value);
}

/** A DNS subdomain of 1 to 253 characters (an object name). */
export function isDnsSubdomain(value: string): boolean {
  return value.length <= MAX_LENGTH.dnsSubdomain && DNS_SUBDOMAIN.test(value);
}

/** A label value of at most 63 characters. */
export function isLabelValue(value: string): boolean {
  return value.length <= MAX_LENGTH.labelValue && LABEL_VALUE.test(value);
}

/**
 * Why an Exact or PathPrefix path value breaks the HTTPRoute CEL rules (absolute; no `//`, `/./`, `/../`,
 * `%2f`, `#`; no trailing `/.` or `/..`; only URL path characters), or undefined when it does not.
 */
export function pathValueProblem(value: string): string | undefined {
  if (!value.startsWith('/')) return 'must start with "/"';
  for (const bad of ['//', '/./', '/../', '%2f', '%2F', '#']) if (value.includes(bad)) return `must not contain "${bad}"`;
  if (value.endsWith('/..') || value.endsWith('/.')) return 'must not end with "/." or "/.."';
  if (!PATH_CHARS.test(value)) return PATH_CHARS_PROBLEM;
  return undefined;
}

/** What a value that fails PATH_CHARS is told. */
export const PATH_CHARS_PROBLEM = 'may only contain URL path characters (A-Z a-z 0-9 - . _ ~ ! $ & \' ( ) * + , ; = : @ / and %XX escapes)';

/** Why an ECMAScript regular expression (what the data plane runs) does not compile, or undefined. */
export function regexProblem(pattern: string): string | undefined {
  try {
    new RegExp(pattern);
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}
