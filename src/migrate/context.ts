/**
 * What the translation steps share: the model, the input, the options, and the findings they update.
 */
import { AnnotationFinding, FindingStatus, ParsedAnnotations } from './annotations';
import { NGINX_PREFIX, ObjectKey, Service } from './input';
import { NginxModel, PathFate, Upstream } from './nginx-model';

export interface MigrateOptions {
  /** The Gateway to create. @default gateway-system/ingress */
  readonly gateway?: ObjectKey;
  /** Use this GatewayClass instead of emitting this project's. */
  readonly gatewayClass?: string;
}

export const DEFAULT_GATEWAY: ObjectKey = { namespace: 'gateway-system', name: 'ingress' };

const RANK: Record<FindingStatus, number> = { ignored: 0, translated: 1, approximated: 2, untranslatable: 3 };

/** How a backend is spoken to, from backend-protocol, per Service port. */
export interface BackendProtocol {
  readonly upstream: Upstream;
  readonly protocol: string;
  readonly ingress: string;
  /** proxy-ssl-* of the Ingress that first used it over TLS. */
  readonly proxySsl?: ParsedAnnotations['location']['proxySsl'];
}

export class Context {
  public readonly gateway: ObjectKey;
  /** Extra findings about features (paths, TLS, hosts) beyond the model's. */
  public readonly fates: PathFate[] = [];
  /** Service port id → protocol wanted by the first Ingress using it. */
  public readonly protocols = new Map<string, BackendProtocol>();

  public constructor(
    public readonly model: NginxModel,
    public readonly annotations: ReadonlyMap<string, ParsedAnnotations>,
    public readonly services: readonly Service[],
    public readonly options: MigrateOptions,
  ) {
    this.gateway = options.gateway ?? DEFAULT_GATEWAY;
  }

  /** The finding of `key` (without the prefix) on an Ingress, if the Ingress carries it. */
  public finding(ingress: string, key: string): AnnotationFinding | undefined {
    const full = key.includes('/') ? key : NGINX_PREFIX + key;
    return this.annotations.get(ingress)?.findings.find((f) => f.annotation === full);
  }

  /** Raises an annotation's status (never lowers it) and records why. */
  public mark(ingress: string, key: string, status: FindingStatus, reason?: string): void {
    const f = this.finding(ingress, key);
    if (!f || f.status === 'ignored') return;
    if (RANK[status] > RANK[f.status]) {
      f.status = status;
      f.reason = reason;
    } else if (RANK[status] === RANK[f.status] && reason && f.reason && !f.reason.includes(reason)) {
      f.reason = `${f.reason}; ${reason}`;
    } else if (RANK[status] === RANK[f.status] && reason && !f.reason) {
      f.reason = reason;
    }
  }

  public fate(ingress: string, feature: string, status: PathFate['status'], text: string): void {
    this.fates.push({ ingress, feature, status, text });
  }

  public service(namespace: string, name: string): Service | undefined {
    return this.services.find((s) => s.namespace === namespace && s.name === name);
  }
}
