// The public construct API (jsii). Internal helpers (validation, hostnames, app state) stay unexported.
export { GatewayApiResource } from './resource';
export { TlsCertificate, CaCertificate } from './certificates';
export type { TlsCertificateOptions, CaCertificateOptions } from './certificates';
export { GatewayClass } from './gateway-class';
export type { GatewayClassProps, GatewayClassParametersRef, IGatewayClass, NodeDataPlaneClassOptions } from './gateway-class';
export { Listener, ListenerProtocol, TlsMode, RouteKind, AllowedRoutes } from './listener';
export type {
  ListenerOptions, AllowedRoutesOptions, HttpListenerOptions, HttpsListenerOptions, TlsPassthroughListenerOptions,
  TlsTerminateListenerOptions, TcpListenerOptions, UdpListenerOptions,
} from './listener';
export { Gateway, GatewayAddress, ClientCertificateMode, AllowedListeners } from './gateway';
export type {
  GatewayProps, IGateway, GatewayInfrastructure, GatewayInfrastructureParametersRef, ClientCertificateValidation,
  PortClientCertificateValidation,
} from './gateway';
export { DataPlaneLogLevel, ExternalTrafficPolicy, DataPlaneImagePullPolicy, DataPlaneServiceType } from './data-plane';
export type { DataPlaneProps, DataPlaneAutoscaling, DataPlaneResources, ClusterModeOptions } from './data-plane';
export { DataPlanePeer } from './data-plane-peer';
export type { DataPlanePeerPodsOptions } from './data-plane-peer';
export type { IKubernetesObject } from './kubernetes-object';
export { ListenerSet } from './listener-set';
export type { ListenerSetProps } from './listener-set';
export { RouteBase } from './route-base';
export type { IRouteParent, RouteParentRef } from './route-base';
export { L4RouteBase } from './l4-route-base';
export { L7RouteBase } from './l7-route-base';
export type { L7RouteOptions, L7RouteProps } from './l7-route-base';
export type { L4RouteOptions, L4RouteProps } from './l4-route-base';
export { HttpMatch, HttpMethod, GrpcMatch } from './matches';
export { HttpFilter, GrpcFilter, FilterType, RedirectStatusCode, RedirectScheme, PathModifier } from './filters';
export type {
  HeaderModifications, RedirectOptions, HttpsRedirectOptions, UrlRewriteOptions, MirrorOptions, MirrorFraction,
  CorsOptions, HttpExternalAuthOptions, GrpcExternalAuthOptions, ExtensionRef,
} from './filters';
export { Backend, TrafficSplit, BlueGreen } from './backends';
export type { BackendOptions, BackendShareOptions, ServiceBackendOptions, BackendReferenceProps, PercentBackend } from './backends';
export { SessionPersistenceType, CookieLifetime } from './session-persistence';
export type { SessionPersistence } from './session-persistence';
export { HttpRoute } from './http-route';
export type { HttpRouteProps, HttpRouteOptions, HttpRouteRule, HttpRetry } from './http-route';
export { GrpcRoute } from './grpc-route';
export type { GrpcRouteProps, GrpcRouteOptions, GrpcRouteRule } from './grpc-route';
export { TlsRoute } from './tls-route';
export type { TlsRouteProps, TlsRouteOptions } from './tls-route';
export { TcpRoute } from './tcp-route';
export type { TcpRouteProps } from './tcp-route';
export { UdpRoute } from './udp-route';
export type { UdpRouteProps } from './udp-route';
export { ReferenceGrant } from './reference-grant';
export type { ReferenceGrantProps, ReferenceGrantFrom, ReferenceGrantTo } from './reference-grant';
export { BackendTlsPolicy, SubjectAltName, WellKnownCaCertificates } from './backend-tls-policy';
export type { BackendTlsPolicyProps, BackendTlsPolicyTarget } from './backend-tls-policy';
export { TeamGrant, Team, GatewayReference } from './team';
export type {
  TeamGrantProps, BackendGrant, TeamRbac, TeamRouteOptions, TeamHttpRouteProps, TeamGrpcRouteProps, TeamTlsRouteProps,
  TeamTcpRouteProps, TeamUdpRouteProps, TeamListener,
} from './team';
export type {
  TeamGrantDocument, TeamGrantDocumentMetadata, TeamGrantDocumentSpec, TeamGrantDocumentGateway, TeamGrantDocumentListener,
} from './team-grant-document';
export { Warnings } from './warnings';
