/**
 * `cdk8s-gateway status --kubeconfig <file> [--context <name>] [-n <namespace>]`: what `compile --output text`
 * prints, read from a cluster: the conditions the data-plane pods wrote (cluster mode), plus the routes that are
 * not attached and why, so that an app team can see why its route does nothing without reading YAML.
 */
import { parseArgs, UsageError } from './args';
import { formatStatus, notAccepted } from './format-status';
import type { ObjectStatus } from '../compiler';
import { CONTROLLER_NAME } from '../spec/project';
import { KubeClient } from '../sync/kube-client';
import { KubeconfigError, loadClusterAccess } from '../sync/kubeconfig';
import { collectionPath, discoverGatewayApi } from '../sync/resources';
import { statusFromCluster } from '../sync/status-documents';

const USAGE = `usage: cdk8s-gateway status --kubeconfig <file> [--context <name>] [-n <namespace>]

Prints the status the cluster-mode data plane wrote for its GatewayClasses, Gateways, ListenerSets, routes and
BackendTLSPolicies (as \`compile --output text\` prints what it computes), then the routes that are not attached
and why: not Accepted (with the reason written), or no status from this controller at all.

  --kubeconfig     a kubeconfig file
  --context        a context of that kubeconfig (default: its current-context)
  -n, --namespace  only objects in this namespace (and the cluster-scoped GatewayClasses)

Exit code: 0 when everything is accepted, 1 when something is not (or the cluster cannot be read), 2 on a usage error.`;

export async function run(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  let client: KubeClient | undefined;
  try {
    const args = parseArgs(argv, { kubeconfig: { value: true }, context: { value: true }, namespace: { value: true, alias: 'n' } });
    if (args.positionals.length > 0) throw new UsageError(`unexpected argument "${args.positionals[0]}"`);
    const file = args.flags.kubeconfig?.[0];
    if (!file) throw new UsageError('--kubeconfig <file> is required');
    const namespace = args.flags.namespace?.[0];
    client = new KubeClient(await loadClusterAccess({ file, context: args.flags.context?.[0] }));
    const found = await discoverGatewayApi((p) => client!.get(p));
    const objects: any[] = [];
    for (const r of found.resources) {
      if (r.kind === 'ReferenceGrant') continue;
      const list = await client.list(collectionPath(r, r.namespaced ? namespace : undefined), {});
      for (const item of list.items) objects.push({ apiVersion: `${r.group}/${r.version}`, kind: r.kind, ...item });
    }
    const statuses = statusFromCluster(objects, CONTROLLER_NAME);
    process.stdout.write(`${formatStatus(statuses.filter((s) => !(s.parents && s.parents.length === 0)))}\n`);
    const problems = [...notAccepted(statuses), ...unattached(statuses, objects)];
    if (problems.length > 0) process.stdout.write(`\nnot accepted:\n${problems.map((p) => `  ${p}`).join('\n')}\n`);
    return problems.length > 0 ? 1 : 0;
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`cdk8s-gateway status: ${e.message}\n${e.showUsage ? `\n${USAGE}\n` : ''}`);
      return 2;
    }
    if (e instanceof KubeconfigError || (e as { verb?: string }).verb) {
      process.stderr.write(`cdk8s-gateway status: ${(e as Error).message}\n`);
      return 1;
    }
    throw e;
  } finally {
    client?.close();
  }
}

/** Routes with parentRefs but no entry of this controller: nobody of ours accepted (or saw) them. */
function unattached(statuses: readonly ObjectStatus[], objects: readonly any[]): string[] {
  const out: string[] = [];
  for (const s of statuses) {
    if (!s.parents || s.parents.length > 0) continue;
    const obj = objects.find((o) => o.kind === s.kind && o.metadata?.namespace === s.namespace && o.metadata?.name === s.name);
    const refs = (obj?.spec?.parentRefs ?? []).map((r: any) => `${r.kind ?? 'Gateway'} ${r.namespace ?? s.namespace}/${r.name}`).join(', ');
    out.push(`${s.kind} ${s.namespace}/${s.name}: not attached: no status from ${CONTROLLER_NAME} for its parentRefs (${refs}); ` +
      'they name no Gateway of this controller, or its data-plane pods have not written status (cluster mode, --write-status)');
  }
  return out;
}
