import { compile, CompileResult, Diagnostic, formatDiagnostic, ObjectStatus } from '../compiler';
import { parseObjectKey, Parsed, UsageError } from './args';
import { loadManifests, ManifestSource, sourceOf } from './manifests';
import type { DataPlaneConfig } from '../config/dataplane-config';

/** The flags `compile` and `explain` share. */
export const COMPILE_FLAGS = {
  'manifests': { value: true, repeat: true },
  'gateway': { value: true },
  'gateway-class': { value: true, repeat: true },
  'strict': {},
} as const;

export interface Compiled {
  readonly result: CompileResult;
  /** The objects of the manifests, as loaded. */
  readonly objects: unknown[];
  readonly sources: ManifestSource[];
  readonly loadErrors: string[];
  /** The configs of the selected Gateway(s). */
  readonly configs: DataPlaneConfig[];
  /** Status of the selected Gateway(s) and the objects around them. */
  readonly status: ObjectStatus[];
  readonly selected?: { namespace: string; name: string };
}

/**
 * Loads `--manifests` and compiles every Gateway in them (whatever its class, like `serve`), or only those of
 * `--gateway-class`. `--gateway ns/name` narrows configs and status to one Gateway; `--strict` treats
 * Services, Secrets and ConfigMaps missing from the manifests as errors.
 */
export async function compileFromFlags(args: Parsed): Promise<Compiled> {
  const paths = args.flags.manifests ?? [];
  if (paths.length === 0) throw new UsageError('--manifests <file|dir> is required (repeat it for several)');
  const selected = args.flags.gateway ? parseObjectKey(args.flags.gateway[0], 'gateway') : undefined;
  const classes = args.flags['gateway-class'];
  const loaded = await loadManifests(paths);
  const result = compile(loaded.objects, {
    allGateways: !classes,
    gatewayClassNames: classes,
    references: args.switches.has('strict') ? 'strict' : 'namespace',
  });
  let configs = result.configs;
  let status = result.status;
  if (selected) {
    const gw = status.find((s) => s.kind === 'Gateway' && s.namespace === selected.namespace && s.name === selected.name);
    if (!gw) {
      const names = status.filter((s) => s.kind === 'Gateway').map((s) => `${s.namespace}/${s.name}`);
      throw new UsageError(`--gateway ${selected.namespace}/${selected.name}: no such Gateway in the manifests (Gateways: ${names.join(', ') || 'none'})`, false);
    }
    configs = configs.filter((c) => c.gateway.namespace === selected.namespace && c.gateway.name === selected.name);
    status = status.filter((s) => relatedTo(s, selected));
  }
  return { result, objects: loaded.objects, sources: loaded.sources, loadErrors: loaded.errors, configs, status, selected };
}

function relatedTo(s: ObjectStatus, gw: { namespace: string; name: string }): boolean {
  const is = (ref: { kind: string; namespace: string; name: string }) => ref.kind === 'Gateway' && ref.namespace === gw.namespace && ref.name === gw.name;
  if (s.kind === 'Gateway') return s.namespace === gw.namespace && s.name === gw.name;
  if (s.parents) return s.parents.some((p) => is(p.parentRef) || p.parentRef.kind === 'ListenerSet');
  if (s.ancestors) return s.ancestors.some((a) => is(a.ancestorRef));
  return true;
}

/** Diagnostics as lines, each naming its file and document. */
export function diagnosticLines(diagnostics: readonly Diagnostic[], sources: readonly ManifestSource[]): string[] {
  return diagnostics.map((d) => `${d.severity}: ${sourceOf(sources, d.object.index)}: ${formatDiagnostic(d)}`);
}

/** The one config `explain` and `--output config` work on: the selected Gateway's, or the only one. */
export function singleConfig(c: Compiled): DataPlaneConfig {
  if (c.configs.length === 1) return c.configs[0];
  if (c.selected) {
    const gw = c.status.find((s) => s.kind === 'Gateway');
    const why = gw?.conditions?.find((x) => x.type === 'Accepted');
    throw new UsageError(`Gateway ${c.selected.namespace}/${c.selected.name} is not accepted, so it has no config: ${why?.message ?? 'unknown reason'}`, false);
  }
  if (c.configs.length === 0) throw new UsageError('the manifests hold no accepted Gateway', false);
  throw new UsageError(`several Gateways compiled (${c.configs.map((x) => `${x.gateway.namespace}/${x.gateway.name}`).join(', ')}): choose one with --gateway <namespace>/<name>`, false);
}
