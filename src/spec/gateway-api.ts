/**
 * Names of the Gateway API v1.6.1 (and the Kubernetes names it relies on): API groups, the kinds this
 * project reads with the versions v1.6.1 serves, well-known labels and the HTTP methods a match may name.
 */

/** The Gateway API's group. */
export const GATEWAY_API_GROUP = 'gateway.networking.k8s.io';
/** The apiVersion this project writes the Gateway API's kinds at. */
export const GATEWAY_API_VERSION = `${GATEWAY_API_GROUP}/v1`;
/** The group of the Gateway API's experimental (`X`-prefixed) kinds. */
export const GATEWAY_API_EXPERIMENTAL_GROUP = 'gateway.networking.x-k8s.io';

/** The Gateway API kinds the compiler reads, with the API versions v1.6.1 serves (deprecated ones still accepted). */
export const GATEWAY_KINDS = {
  GatewayClass: ['v1', 'v1beta1'],
  Gateway: ['v1', 'v1beta1'],
  ListenerSet: ['v1'],
  HTTPRoute: ['v1', 'v1beta1'],
  GRPCRoute: ['v1'],
  TLSRoute: ['v1', 'v1alpha3', 'v1alpha2'],
  TCPRoute: ['v1', 'v1alpha2'],
  UDPRoute: ['v1', 'v1alpha2'],
  ReferenceGrant: ['v1', 'v1beta1'],
  BackendTLSPolicy: ['v1', 'v1alpha3'],
} as const;

export type GatewayKind = keyof typeof GATEWAY_KINDS;

/** The resource (plural) name of each kind, as in API URLs and RBAC rules (the CRDs' `spec.names.plural`). */
export const GATEWAY_RESOURCES: Readonly<Record<GatewayKind, string>> = {
  GatewayClass: 'gatewayclasses',
  Gateway: 'gateways',
  ListenerSet: 'listenersets',
  HTTPRoute: 'httproutes',
  GRPCRoute: 'grpcroutes',
  TLSRoute: 'tlsroutes',
  TCPRoute: 'tcproutes',
  UDPRoute: 'udproutes',
  ReferenceGrant: 'referencegrants',
  BackendTLSPolicy: 'backendtlspolicies',
};
export type RouteKind = 'HTTPRoute' | 'GRPCRoute' | 'TLSRoute' | 'TCPRoute' | 'UDPRoute';
export const ROUTE_KINDS: readonly RouteKind[] = ['HTTPRoute', 'GRPCRoute', 'TLSRoute', 'TCPRoute', 'UDPRoute'];

/** The protocols a listener may name (the core ones; the spec allows domain-prefixed others). */
export type ListenerProtocolName = 'HTTP' | 'HTTPS' | 'TLS' | 'TCP' | 'UDP';
export const LISTENER_PROTOCOLS: readonly ListenerProtocolName[] = ['HTTP', 'HTTPS', 'TLS', 'TCP', 'UDP'];

/** Route kinds each listener protocol can carry (and accepts when `allowedRoutes.kinds` is unset); TLS: both modes. */
export const ROUTE_KINDS_BY_PROTOCOL: Readonly<Record<ListenerProtocolName, readonly RouteKind[]>> = {
  HTTP: ['HTTPRoute', 'GRPCRoute'],
  HTTPS: ['HTTPRoute', 'GRPCRoute'],
  TLS: ['TLSRoute'],
  TCP: ['TCPRoute'],
  UDP: ['UDPRoute'],
};

/** The label Kubernetes sets on every Namespace to its own name (what a namespace selector by name selects). */
export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';
/** The label an implementation puts on the objects it creates for a Gateway (GEP-1762). */
export const GATEWAY_NAME_LABEL = 'gateway.networking.k8s.io/gateway-name';

/** The methods an HTTPRoute match (and a CORS filter's allowMethods) may name. */
export const HTTP_METHODS: readonly string[] = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH'];
