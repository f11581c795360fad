import type { BackendGrant, TeamListener } from './team';

/**
 * A team grant as data, exported by the platform's app (`TeamGrant.toDocument()`, or the file `app.synth()` writes
 * to dist/grants/) and imported by a team's app in its own repository (`Team.fromGrant()`). The reader accepts
 * only the version it was written for (`cdk8s-gateway.io/v1alpha1`).
 */
export interface TeamGrantDocument {
  /** `cdk8s-gateway.io/v1alpha1`. */
  readonly apiVersion: string;
  /** `TeamGrant`. */
  readonly kind: string;
  /** The team's name, and the version of cdk8s-gateway that wrote the document (annotation `cdk8s-gateway.io/generator`). */
  readonly metadata: TeamGrantDocumentMetadata;
  /** The grant. */
  readonly spec: TeamGrantDocumentSpec;
}

/** The name of a grant document. */
export interface TeamGrantDocumentMetadata {
  /** The team's name. */
  readonly name: string;
  /**
   * `cdk8s-gateway.io/generator`: the cdk8s-gateway that wrote it.
   * @default - none
   */
  readonly annotations?: Record<string, string>;
}

/** What a team was granted on a Gateway. */
export interface TeamGrantDocumentSpec {
  /** The team's namespace. */
  readonly namespace: string;
  /** Where the platform made the grant, as messages name it (`grantTeam("shop") on Gateway gateway-system/edge (platform/edge/shop)`). */
  readonly source: string;
  /** The Gateway, and its listeners the team may use as the platform's app renders them. */
  readonly gateway: TeamGrantDocumentGateway;
  /** Hostnames the team may serve (empty: any its listeners accept). */
  readonly hostnames: string[];
  /** Route kinds the team may create. */
  readonly routeKinds: string[];
  /** The Gateway's listeners granted to the team. */
  readonly grantedListeners: TeamGrantDocumentListener[];
  /** The listeners the team attaches to (the granted ones narrowed to its hostnames). */
  readonly teamListeners: TeamListener[];
  /** Services of other namespaces the team may use as backends. */
  readonly backendGrants: BackendGrant[];
}

/** The Gateway of a grant document. */
export interface TeamGrantDocumentGateway {
  /** Name. */
  readonly name: string;
  /** Namespace. */
  readonly namespace: string;
  /** Its GatewayClass. */
  readonly gatewayClassName: string;
  /** The granted listeners and the team's, as Gateway API listener objects (what the team's synth checks routes against). */
  readonly listeners: any[];
}

/** A Gateway listener granted to a team. */
export interface TeamGrantDocumentListener {
  /** Name. */
  readonly name: string;
  /** Port. */
  readonly port: number;
  /** Protocol (`HTTP`, `HTTPS`, `TLS`, `TCP`, `UDP`). */
  readonly protocol: string;
  /**
   * Hostname.
   * @default - every hostname
   */
  readonly hostname?: string;
  /** The route kinds it accepts. */
  readonly routeKinds: string[];
}
