import * as kplus from 'cdk8s-plus-28';

import type { DataPlanePeer } from '../constructs/data-plane-peer';

/**
 * A kplus NetworkPolicy with two more kinds of ingress rule: one that admits *anyone* to some ports (a rule
 * without `from`, which every CNI reads as "all sources"; an ipBlock of 0.0.0.0/0 is not the same: some CNIs never
 * match cluster endpoints or nodes against CIDR rules), and rules from DataPlanePeers, the peers of the public API
 * (which is not tied to one cdk8s-plus major). They render first, in the order added; kplus rules after them.
 *
 * Internal: the public API exposes its ApiObject only.
 */
export class ListenerNetworkPolicy extends kplus.NetworkPolicy {
  private readonly openPorts: kplus.NetworkPolicyPort[] = [];
  private readonly peerRules: Array<{ peer: DataPlanePeer; ports: kplus.NetworkPolicyPort[] }> = [];

  /** Admits traffic from any source to `ports`. */
  public allowFromAnywhere(ports: kplus.NetworkPolicyPort[]): void {
    this.openPorts.push(...ports);
  }

  /** Admits traffic from `peer` to `ports`. */
  public allowFrom(peer: DataPlanePeer, ports: kplus.NetworkPolicyPort[]): void {
    this.peerRules.push({ peer, ports });
  }

  /** @internal */
  public _toKube(): kplus.k8s.NetworkPolicySpec {
    const spec = super._toKube();
    if (this.openPorts.length === 0 && this.peerRules.length === 0) return spec;
    const open = this.openPorts.length > 0 ? [{ ports: this.openPorts.map((p) => p._toKube()) }] : [];
    const peers = this.peerRules.map((r) => ({ from: [r.peer._toJson()], ports: r.ports.map((p) => p._toKube()) }));
    return { ...spec, ingress: [...open, ...peers, ...(spec.ingress ?? [])], policyTypes: spec.policyTypes ?? ['Ingress'] };
  }
}
