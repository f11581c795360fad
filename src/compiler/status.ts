/**
 * Status the compiler computes for every object it is responsible for, shaped like the Kubernetes status
 * subresource the spec defines (minus `lastTransitionTime`, which would make the output time-dependent).
 */
import type { GatewayStatusAddress } from './gateway-addresses';

/** A condition's status, as `metav1.Condition` spells it. */
export type ConditionStatus = 'True' | 'False' | 'Unknown';

/** A status condition as in the Gateway API CRDs (`metav1.Condition`: type, status, reason, message, observedGeneration). */
export interface Condition {
  readonly type: string;
  readonly status: ConditionStatus;
  readonly reason: string;
  readonly message: string;
  /** The object's `metadata.generation` when the input had one. */
  readonly observedGeneration?: number;
}

/** A group and kind, as in a listener's `status.supportedKinds[]`. */
export interface GroupKind {
  readonly group: string;
  readonly kind: string;
}

/** One entry of Gateway (or ListenerSet) `status.listeners[]`: supported route kinds, attached routes, conditions. */
export interface ListenerStatus {
  readonly name: string;
  readonly supportedKinds: GroupKind[];
  readonly attachedRoutes: number;
  readonly conditions: Condition[];
}

/** A parentRef as written in the route, with defaults filled in (group, kind, namespace). */
export interface ParentRefStatusKey {
  readonly group: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly sectionName?: string;
  readonly port?: number;
}

/** One entry of a route's `status.parents[]`: the parentRef, this controller's name and its conditions. */
export interface RouteParentStatus {
  readonly parentRef: ParentRefStatusKey;
  readonly controllerName: string;
  readonly conditions: Condition[];
}

/** One entry of a policy's `status.ancestors[]` (GEP-713), as BackendTLSPolicy writes it. */
export interface PolicyAncestorStatus {
  readonly ancestorRef: ParentRefStatusKey;
  readonly controllerName: string;
  readonly conditions: Condition[];
}

/** The status of one object. Which fields are set depends on the kind. */
export interface ObjectStatus {
  readonly apiVersion: string;
  readonly kind: string;
  /** Absent for cluster-scoped objects (GatewayClass). */
  readonly namespace?: string;
  readonly name: string;
  /** GatewayClass, Gateway, ListenerSet and ReferenceGrant conditions. */
  readonly conditions?: Condition[];
  /** Gateway and ListenerSet. */
  readonly listeners?: ListenerStatus[];
  /** Gateway: ListenerSets attached and Accepted. */
  readonly attachedListenerSets?: number;
  /** Gateway, in cluster mode only (`CompileOptions.dataPlaneAddresses`): its data-plane Service's addresses. */
  readonly addresses?: GatewayStatusAddress[];
  /** Routes: one entry per parentRef this controller is responsible for. */
  readonly parents?: RouteParentStatus[];
  /** BackendTLSPolicy: one entry per Gateway that uses a targeted Service. */
  readonly ancestors?: PolicyAncestorStatus[];
}

/** Finds the status of an object in a compile result (kind, namespace, name). */
export function findStatus(statuses: readonly ObjectStatus[], kind: string, namespace: string | undefined, name: string): ObjectStatus | undefined {
  return statuses.find((s) => s.kind === kind && s.name === name && (s.namespace ?? '') === (namespace ?? ''));
}

/** The condition of a type in a list. */
export function findCondition(conditions: readonly Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

/** Spec condition types and reasons (Gateway API v1.6.1), so the compiler never misspells one. */
export const Reason = {
  // shared
  Accepted: 'Accepted',
  Programmed: 'Programmed',
  ResolvedRefs: 'ResolvedRefs',
  Invalid: 'Invalid',
  Pending: 'Pending',
  RefNotPermitted: 'RefNotPermitted',
  UnsupportedValue: 'UnsupportedValue',
  // GatewayClass
  InvalidParameters: 'InvalidParameters',
  SupportedVersion: 'SupportedVersion',
  // Gateway
  ListenersNotValid: 'ListenersNotValid',
  ListenersNotResolved: 'ListenersNotResolved',
  UnsupportedAddress: 'UnsupportedAddress',
  AddressNotAssigned: 'AddressNotAssigned',
  AddressNotUsable: 'AddressNotUsable',
  InvalidClientCertificateRef: 'InvalidClientCertificateRef',
  ConfigurationChanged: 'ConfigurationChanged',
  // Listener
  PortUnavailable: 'PortUnavailable',
  UnsupportedProtocol: 'UnsupportedProtocol',
  NoValidCACertificate: 'NoValidCACertificate',
  HostnameConflict: 'HostnameConflict',
  ProtocolConflict: 'ProtocolConflict',
  NoConflicts: 'NoConflicts',
  InvalidCertificateRef: 'InvalidCertificateRef',
  InvalidRouteKinds: 'InvalidRouteKinds',
  InvalidCACertificateRef: 'InvalidCACertificateRef',
  InvalidCACertificateKind: 'InvalidCACertificateKind',
  OverlappingHostnames: 'OverlappingHostnames',
  // ListenerSet
  NotAllowed: 'NotAllowed',
  ParentNotAccepted: 'ParentNotAccepted',
  ParentNotProgrammed: 'ParentNotProgrammed',
  // Route
  NotAllowedByListeners: 'NotAllowedByListeners',
  NoMatchingListenerHostname: 'NoMatchingListenerHostname',
  NoMatchingParent: 'NoMatchingParent',
  IncompatibleFilters: 'IncompatibleFilters',
  InvalidKind: 'InvalidKind',
  BackendNotFound: 'BackendNotFound',
  // Policy
  Conflicted: 'Conflicted',
  TargetNotFound: 'TargetNotFound',
} as const;

/** The condition types the spec defines for Gateways, listeners, routes and policies. */
export const ConditionType = {
  Accepted: 'Accepted',
  Programmed: 'Programmed',
  ResolvedRefs: 'ResolvedRefs',
  SupportedVersion: 'SupportedVersion',
  Conflicted: 'Conflicted',
  OverlappingTLSConfig: 'OverlappingTLSConfig',
  PartiallyInvalid: 'PartiallyInvalid',
  InsecureFrontendValidationMode: 'InsecureFrontendValidationMode',
} as const;

/** Builds a Condition from its type, status (a boolean is True/False), reason, message and the object's generation. */
export function condition(type: string, status: boolean | ConditionStatus, reason: string, message: string, generation?: number): Condition {
  return {
    type,
    status: typeof status === 'boolean' ? (status ? 'True' : 'False') : status,
    reason,
    message,
    observedGeneration: generation,
  };
}
