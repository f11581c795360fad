import { ApiObject, ApiObjectMetadata, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { Gateway, IGateway } from './gateway';
import { Listener, RouteKind } from './listener';
import { checkNextListener, listenerConflicts } from './listener-conflicts';
import { effectiveNamespace, GatewayApiResource, resolveObjectName } from './resource';
import { AttachmentTarget, IRouteParent } from './route-base';
import * as k8s from '../imports/gateway.networking.k8s.io';
import { checkDnsLabel, checkDnsSubdomain } from '../spec/checks';
import { GATEWAY_API_GROUP } from '../spec/gateway-api';

export interface ListenerSetProps {
  /** The Gateway the listeners are added to; it must allow ListenerSets from this namespace. */
  readonly gateway: IGateway;
  /**
   * Listeners (1 to 64); more can be added with `addListener()`.
   * @default - none
   */
  readonly listeners?: Listener[];
  /**
   * Metadata; `name` defaults to the construct id.
   * @default - name from the construct id, the chart's namespace
   */
  readonly metadata?: ApiObjectMetadata;
}

/**
 * Listeners an application team adds to a shared Gateway (which must allow it with `allowedListeners`).
 * Routes attach to them with the ListenerSet as their parent.
 */
export class ListenerSet extends GatewayApiResource implements IRouteParent, AttachmentTarget {
  public readonly apiObject: ApiObject;
  public readonly resourceType = 'listenersets';
  /** The Gateway the listeners are added to. */
  public readonly gateway: IGateway;
  /** @internal */
  public readonly _isAttachmentTarget = true;
  private readonly _listeners: Listener[] = [];

  public constructor(scope: Construct, id: string, props: ListenerSetProps) {
    super(scope, id);
    const name = resolveObjectName('ListenerSet', scope, id, props.metadata);
    this.gateway = props.gateway;
    checkDnsSubdomain(this._where.at('parentRef.name'), props.gateway.name);
    if (props.gateway.namespace !== undefined) checkDnsLabel(this._where.at('parentRef.namespace'), props.gateway.namespace);
    this.apiObject = new k8s.ListenerSet(this, 'Resource', {
      metadata: { ...props.metadata, name },
      spec: Lazy.any({ produce: () => this.renderSpec() }) as unknown as k8s.ListenerSetSpec,
    });
    for (const l of props.listeners ?? []) this.addListener(l);
    this.node.addValidation({ validate: () => this.validateListenerSet() });
  }

  /** The listeners, in order. */
  public get listeners(): Listener[] {
    return [...this._listeners];
  }

  /** Adds a listener. */
  public addListener(listener: Listener): void {
    checkNextListener(this._where.at('listeners'), this._listeners, listener);
    this._listeners.push(listener);
  }

  /** @internal */
  public _describe(): string {
    return `ListenerSet ${effectiveNamespace(this.namespace)}/${this.name}`;
  }

  /** @internal */
  public _hasGrants(): boolean {
    return false;
  }

  /** @internal */
  public _attachableListeners(): Listener[] {
    return this.listeners;
  }

  /** @internal */
  public _refusal(listener: Listener, _kind: RouteKind, namespace: string): string | undefined {
    const from = listener.allowedRoutes?._from ?? 'Same';
    if (from === 'Same' && namespace !== effectiveNamespace(this.namespace)) {
      return `admits routes from its ListenerSet's namespace "${effectiveNamespace(this.namespace)}" only`;
    }
    return undefined;
  }

  private renderSpec(): k8s.ListenerSetSpec {
    const gwNs = this.gateway.namespace !== undefined ? effectiveNamespace(this.gateway.namespace) : undefined;
    return {
      parentRef: {
        ...(this.gateway.apiGroup !== GATEWAY_API_GROUP ? { group: this.gateway.apiGroup } : {}),
        name: this.gateway.name,
        ...(gwNs !== undefined && gwNs !== effectiveNamespace(this.namespace) ? { namespace: gwNs } : {}),
      },
      listeners: this._listeners.map((l, i) => l._render(this._where.at('listeners').at(i))),
    } as unknown as k8s.ListenerSetSpec;
  }

  private validateListenerSet(): string[] {
    const errors: string[] = [];
    if (this._listeners.length === 0) errors.push('ListenerSet: has no listeners; add one with addListener()');
    const gw = this.gateway;
    if (!Gateway.isGateway(gw)) return errors;
    const ns = effectiveNamespace(this.namespace);
    const gwNs = effectiveNamespace(gw.namespace);
    const allowed = gw.allowedListeners;
    if (allowed.from === 'None') {
      errors.push(`ListenerSet: ${gw._describe()} accepts no ListenerSets; set its allowedListeners (e.g. AllowedListeners.sameNamespace())`);
    } else if (allowed.from === 'Same' && ns !== gwNs) {
      errors.push(`ListenerSet: ${gw._describe()} accepts ListenerSets from its own namespace "${gwNs}" only, not "${ns}"`);
    }
    // conflicts with the Gateway's listeners and the other ListenerSets on it
    const siblings = this.node.root.node.findAll().filter((c): c is ListenerSet => c instanceof ListenerSet && c !== this && c.gateway === gw);
    const others: [Listener, string][] = [
      ...gw._attachableListeners().map((l): [Listener, string] => [l, `"${l.name}" of ${gw._describe()}`]),
      ...siblings.flatMap((s) => s.listeners.map((l): [Listener, string] => [l, `"${l.name}" of ${s._describe()}`])),
    ];
    for (const mine of this._listeners) {
      for (const [other, label] of others) {
        const [problem] = listenerConflicts([other, mine], (l) => (l === mine ? `"${mine.name}"` : label))
          .filter((p) => !p.startsWith('listener name')); // names are scoped to their parent
        if (problem) errors.push(`ListenerSet: ${problem}`);
      }
    }
    return errors;
  }
}
