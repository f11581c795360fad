import { IKubernetesObject, objectJson } from './kubernetes-object';
import { checkCidr, checkDnsLabel, checkLabelValue, checkQualifiedName } from '../spec/checks';
import { NAMESPACE_NAME_LABEL } from '../spec/gateway-api';
import { failObject, Where } from '../spec/where';


/** Pods selected by labels, optionally in other namespaces. */
export interface DataPlanePeerPodsOptions {
  /**
   * Names of the namespaces the pods run in.
   * @default - the data plane's namespace (unless `namespaceLabels` is given)
   */
  readonly namespaces?: string[];
  /**
   * Labels of the namespaces the pods run in (combined with `namespaces`).
   * @default - the data plane's namespace (unless `namespaces` is given)
   */
  readonly namespaceLabels?: { [key: string]: string };
}

/**
 * Who may connect to the data plane's pods (`DataPlaneProps.listenerPeers`/`adminPeers`): one `from` entry of its
 * NetworkPolicy. Its own type, so that an app on any cdk8s-plus major (or none) can say it.
 */
export class DataPlanePeer {
  /** Addresses in a CIDR range (e.g. `203.0.113.0/24`), except the `except` ranges inside it. */
  public static ipBlock(cidr: string, except: string[] = []): DataPlanePeer {
    const where = new Where('DataPlanePeer.ipBlock');
    checkCidr(where.at('cidr'), cidr);
    except.forEach((e, i) => checkCidr(where.at('except').at(i), e));
    return new DataPlanePeer(() => ({ ipBlock: { cidr, ...(except.length > 0 ? { except: [...except] } : {}) } }));
  }

  /** Pods with all of `labels`, in the data plane's namespace unless `options` name others. */
  public static pods(labels: { [key: string]: string }, options: DataPlanePeerPodsOptions = {}): DataPlanePeer {
    const where = new Where('DataPlanePeer.pods');
    checkLabels(where.at('labels'), labels);
    const namespaces = namespaceSelector(where, options);
    return new DataPlanePeer(() => ({ ...(namespaces ? { namespaceSelector: namespaces } : {}), podSelector: { matchLabels: { ...labels } } }));
  }

  /** Every pod of the namespaces named or labelled in `options`. */
  public static namespaces(options: DataPlanePeerPodsOptions): DataPlanePeer {
    const where = new Where('DataPlanePeer.namespaces');
    const namespaces = namespaceSelector(where, options);
    if (!namespaces) failObject(where, 'give `namespaces` or `namespaceLabels`');
    return new DataPlanePeer(() => ({ namespaceSelector: namespaces }));
  }

  /**
   * The pods of a workload of the app (a Deployment, StatefulSet, DaemonSet, ReplicaSet or Job of any cdk8s-plus
   * major, or such an `ApiObject`): its `spec.selector.matchLabels` in its namespace, read when the data plane renders.
   */
  public static podsOf(workload: IKubernetesObject): DataPlanePeer {
    return new DataPlanePeer(() => {
      const json = objectJson(workload);
      const labels = json.spec?.selector?.matchLabels;
      const where = new Where(`DataPlanePeer.podsOf(${workload.node.path})`);
      if (!labels || Object.keys(labels).length === 0) {
        failObject(where, `${workload.kind} "${workload.name}" has no spec.selector.matchLabels to select its pods by; use DataPlanePeer.pods(labels)`);
      }
      const ns = workload.metadata.namespace;
      const inNamespace = ns !== undefined ? { namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: ns } } } : {};
      return { ...inNamespace, podSelector: { matchLabels: { ...labels } } };
    });
  }

  private constructor(private readonly render: () => any) {}

  /** The NetworkPolicyPeer JSON. @internal */
  public _toJson(): any {
    return this.render();
  }
}

function checkLabels(where: Where, labels: { [key: string]: string }): void {
  for (const [k, v] of Object.entries(labels)) {
    checkQualifiedName(where, k);
    checkLabelValue(where.at(k), v);
  }
}

function namespaceSelector(where: Where, o: DataPlanePeerPodsOptions): any | undefined {
  const names = o.namespaces ?? [];
  names.forEach((n, i) => checkDnsLabel(where.at('namespaces').at(i), n));
  checkLabels(where.at('namespaceLabels'), o.namespaceLabels ?? {});
  if (names.length === 0 && o.namespaceLabels === undefined) return undefined;
  const matchLabels = { ...o.namespaceLabels, ...(names.length === 1 ? { [NAMESPACE_NAME_LABEL]: names[0] } : {}) };
  const matchExpressions = names.length > 1 ? [{ key: NAMESPACE_NAME_LABEL, operator: 'In', values: [...names] }] : undefined;
  return { ...(Object.keys(matchLabels).length > 0 ? { matchLabels } : {}), ...(matchExpressions ? { matchExpressions } : {}) };
}
