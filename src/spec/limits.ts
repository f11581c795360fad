/**
 * Limits of the Gateway API v1.6.1 CRDs (`maxItems`, `maxLength`) and of Kubernetes names: one copy, read
 * by the constructs' checks and the synth step. The CRDs are in ../shared/gateway-api/v1.6.1/.
 */

/** A port number (listeners, Services, backendRefs, parentRefs): 1 to 65535. */
export const PORT_RANGE = { min: 1, max: 65535 } as const;

/** True for a whole number in PORT_RANGE. */
export function isPort(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= PORT_RANGE.min && v <= PORT_RANGE.max;
}

/** `maxItems` of list fields, named after the field. */
export const MAX_ITEMS = {
  /** Gateway and ListenerSet `spec.listeners`. */
  listeners: 64,
  /** Gateway `spec.addresses`. */
  addresses: 16,
  /** A listener's `allowedRoutes.kinds`. */
  allowedKinds: 8,
  /** A listener's `tls.certificateRefs`. */
  certificateRefs: 64,
  /** Gateway `spec.tls.frontend.*.validation.caCertificateRefs`. */
  frontendCaCertificateRefs: 16,
  /** Gateway `spec.tls.frontend.perPort`. */
  frontendPerPort: 64,
  /** A route's `spec.parentRefs`. */
  parentRefs: 32,
  /** HTTPRoute and GRPCRoute `spec.hostnames`. */
  routeHostnames: 16,
  /** TLSRoute `spec.hostnames`. */
  tlsRouteHostnames: 1024,
  /** HTTPRoute and GRPCRoute `spec.rules`. */
  rules: 16,
  /** A rule's `matches`. */
  matches: 64,
  /** The matches of all of an HTTPRoute's rules together (a CEL rule; a rule without matches counts one). */
  routeMatches: 128,
  /** A rule's `backendRefs`. */
  backendRefs: 16,
  /** A rule's or a backendRef's `filters`. */
  filters: 16,
  /** A match's `headers`. */
  headerMatches: 16,
  /** An HTTP match's `queryParams`. */
  queryParamMatches: 16,
  /** A header modifier's `set`, `add` and `remove`. */
  headerModifications: 16,
  /** CORS `allowOrigins`, `allowHeaders`, `exposeHeaders`; external auth `allowedHeaders`, `allowedResponseHeaders`. */
  corsAndAuthHeaders: 64,
  /** CORS `allowMethods`. */
  corsMethods: 9,
  /** ReferenceGrant `spec.from` and `spec.to`. */
  referenceGrantPeers: 16,
  /** BackendTLSPolicy `spec.targetRefs`. */
  policyTargetRefs: 16,
  /** BackendTLSPolicy `spec.validation.caCertificateRefs`. */
  backendCaCertificateRefs: 8,
  /** BackendTLSPolicy `spec.validation.subjectAltNames`. */
  subjectAltNames: 5,
} as const;

/** `maxLength` of strings, named after what they hold. */
export const MAX_LENGTH = {
  /** A DNS label (namespace names). */
  dnsLabel: 63,
  /** A DNS subdomain (object, listener, section and rule names). */
  dnsSubdomain: 253,
  /** A Gateway API hostname. */
  hostname: 253,
  /** A Kubernetes kind. */
  kind: 63,
  /** An API group. */
  group: 253,
  /** A label value, and the name part of a label or annotation key. */
  labelValue: 63,
  /** GatewayClass `spec.controllerName`, a custom address type. */
  controllerName: 253,
  /** GatewayClass `spec.description`. */
  description: 64,
  /** An HTTP header name. */
  headerName: 256,
  /** An HTTP header value (and a header match's regular expression). */
  headerValue: 4096,
  /** A path value, a path or query parameter regular expression, a gRPC service or method. */
  path: 1024,
  /** Values of `tls.options`, infrastructure annotations and policy options. */
  optionValue: 4096,
  /** A session persistence `sessionName`. */
  sessionName: 128,
} as const;
