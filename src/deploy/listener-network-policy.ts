import * as kplus from 'cdk8s-plus-28';

/**
 * A kplus NetworkPolicy that can also admit *anyone* to some ports: an ingress rule without `from`,
 * which every CNI reads as "all sources" (an ipBlock of 0.0.0.0/0 is not the same: some CNIs never match
 * cluster endpoints or nodes against CIDR rules). kplus rules added later still render after it.
 *
 * Internal: exposed as a plain `kplus.NetworkPolicy`.
 */
export class ListenerNetworkPolicy extends kplus.NetworkPolicy {
  private readonly openPorts: kplus.NetworkPolicyPort[] = [];

  /** Admits traffic from any source to `ports`. */
  public allowFromAnywhere(ports: kplus.NetworkPolicyPort[]): void {
    this.openPorts.push(...ports);
  }

  /** @internal */
  public _toKube(): kplus.k8s.NetworkPolicySpec {
    const spec = super._toKube();
    if (this.openPorts.length === 0) return spec;
    const open = { ports: this.openPorts.map((p) => p._toKube()) };
    return { ...spec, ingress: [open, ...(spec.ingress ?? [])], policyTypes: spec.policyTypes ?? ['Ingress'] };
  }
}
