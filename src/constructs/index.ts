// The public construct API (jsii). Internal helpers (validation, hostnames, app state) stay unexported.
export { GatewayApiResource } from './resource';
export { TlsCertificate, TlsCertificateOptions, CaCertificate, CaCertificateOptions } from './certificates';
export { GatewayClass, GatewayClassProps, GatewayClassParametersRef, IGatewayClass, NodeDataPlaneClassOptions } from './gateway-class';
export {
  Listener, ListenerOptions, ListenerProtocol, TlsMode, RouteKind, AllowedRoutes, AllowedRoutesOptions,
  HttpListenerOptions, HttpsListenerOptions, TlsPassthroughListenerOptions, TlsTerminateListenerOptions,
  TcpListenerOptions, UdpListenerOptions,
} from './listener';
export {
  Gateway, GatewayProps, IGateway, GatewayAddress, GatewayInfrastructure, GatewayInfrastructureParametersRef,
  ClientCertificateMode, ClientCertificateValidation, PortClientCertificateValidation, AllowedListeners,
} from './gateway';
export { DataPlaneProps, DataPlaneAutoscaling, ExternalTrafficPolicy } from './data-plane';
export { ListenerSet, ListenerSetProps } from './listener-set';
export { IRouteParent, RouteParentRef, RouteBase } from './route-base';
export { L4RouteBase, L4RouteOptions, L4RouteProps } from './l4-route-base';
export { HttpMatch, HttpMethod, GrpcMatch } from './matches';
export {
  HttpFilter, GrpcFilter, FilterType, HeaderModifications, RedirectStatusCode, RedirectScheme, PathModifier,
  RedirectOptions, HttpsRedirectOptions, UrlRewriteOptions, MirrorOptions, MirrorFraction, CorsOptions,
  HttpExternalAuthOptions, GrpcExternalAuthOptions, ExtensionRef,
} from './filters';
export {
  Backend, BackendOptions, BackendShareOptions, ServiceBackendOptions, BackendReferenceProps, TrafficSplit, PercentBackend, BlueGreen,
} from './backends';
export { SessionPersistence, SessionPersistenceType, CookieLifetime } from './session-persistence';
export { HttpRoute, HttpRouteProps, HttpRouteOptions, HttpRouteRule, HttpRetry } from './http-route';
export { GrpcRoute, GrpcRouteProps, GrpcRouteOptions, GrpcRouteRule } from './grpc-route';
export { TlsRoute, TlsRouteProps, TlsRouteOptions } from './tls-route';
export { TcpRoute, TcpRouteProps } from './tcp-route';
export { UdpRoute, UdpRouteProps } from './udp-route';
export { ReferenceGrant, ReferenceGrantProps, ReferenceGrantFrom, ReferenceGrantTo } from './reference-grant';
export {
  BackendTlsPolicy, BackendTlsPolicyProps, BackendTlsPolicyTarget, SubjectAltName, WellKnownCaCertificates,
} from './backend-tls-policy';
export {
  TeamGrant, TeamGrantProps, BackendGrant, TeamRbac, TeamRouteOptions, TeamHttpRouteProps, TeamGrpcRouteProps,
  TeamTlsRouteProps, TeamTcpRouteProps, TeamUdpRouteProps,
} from './team';
export { Warnings } from './warnings';
