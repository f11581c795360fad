import type { Parsed } from './args';
import { Compiled, compileFromFlags, diagnosticLines } from './compiled-gateways';
import { notAccepted } from './format-status';
import { manifestFiles } from './manifests';
import { writeWorkDir } from './serve-workdir';
import { serializeConfig } from '../compiler';
import type { DataPlaneConfig } from '../config/dataplane-config';
import type { DataPlane } from '../dataplane/dataplane';

export interface ServedGateway {
  readonly namespace: string;
  readonly name: string;
}

/** What `serve` prints about compiled manifests that does not stop it: warnings and objects not accepted. */
export function warningLines(c: Compiled): string[] {
  const refused = notAccepted(c.status);
  return [
    ...diagnosticLines(c.result.diagnostics.filter((d) => d.severity !== 'error'), c.sources),
    ...(refused.length ? [`not accepted (served without them):\n${refused.map((r) => `  ${r}`).join('\n')}`] : []),
  ];
}

/**
 * `serve`'s dev loop: when the manifests change (a re-synth rewrote dist/), they are compiled again and the
 * served Gateway's new config is hot-swapped through the data plane's own reload path (requests in flight
 * finish on the config they started with). Manifests that do not parse or compile (an object the API server
 * would refuse included), or in which the served Gateway is gone or not accepted, are refused with the file and
 * object named, and the last good config keeps serving. Refusals show in /metrics as well as on stderr.
 */
export class ManifestReloader {
  private lastConfig: string;
  private lastWarnings: string;

  public constructor(
    private readonly args: Parsed,
    private readonly gateway: ServedGateway,
    private readonly dataPlane: DataPlane,
    private readonly workDir: string,
    served: DataPlaneConfig,
    printedWarnings: readonly string[],
    private readonly out: (line: string) => void = (l) => process.stdout.write(`${l}\n`),
    private readonly err: (text: string) => void = (t) => process.stderr.write(`${t}\n`),
  ) {
    this.lastConfig = serializeConfig(served);
    this.lastWarnings = printedWarnings.join('\n');
  }

  /** Compiles the manifests as they are now and serves the result; false when they were refused. */
  public async reload(): Promise<boolean> {
    const gw = `Gateway ${this.gateway.namespace}/${this.gateway.name}`;
    // `cdk8s synth` empties dist/ before the app writes it again: wait for the files rather than refuse
    if ((await manifestFiles(this.args.flags.manifests ?? [])).files.length === 0) {
      this.out(`the manifests are gone or empty (a synth in progress?); still serving the last good config of ${gw}`);
      return false;
    }
    let compiled: Compiled;
    try {
      compiled = await compileFromFlags(this.args);
    } catch (e) {
      return this.refuse([`error: ${(e as Error).message}`]);
    }
    const errors = [
      ...compiled.loadErrors.map((e) => `error: ${e}`),
      ...diagnosticLines(compiled.result.diagnostics.filter((d) => d.severity === 'error'), compiled.sources),
    ];
    const config = compiled.result.configs.find((c) => c.gateway.namespace === this.gateway.namespace && c.gateway.name === this.gateway.name);
    if (!config) {
      const status = compiled.result.status.find((s) => s.kind === 'Gateway' && s.namespace === this.gateway.namespace && s.name === this.gateway.name);
      const why = status?.conditions?.find((c) => c.type === 'Accepted' && c.status !== 'True');
      errors.push(status
        ? `error: ${gw} is not accepted: ${why?.reason ?? 'unknown reason'}: ${why?.message ?? ''}`
        : `error: ${gw} is not in the manifests any more (restart serve to serve another Gateway)`);
    }
    if (errors.length > 0 || !config) return this.refuse(errors);

    const warnings = warningLines(compiled);
    if (warnings.join('\n') !== this.lastWarnings && warnings.length > 0) this.err(warnings.join('\n'));
    this.lastWarnings = warnings.join('\n');
    // certificates and CA bundles first: the data plane re-reads those files when they change
    writeWorkDir(this.workDir, config, compiled.objects);
    const text = serializeConfig(config);
    if (text === this.lastConfig) {
      this.dataPlane.reloadUnchanged();
      this.out(`manifests changed; the config of ${gw} is the same`);
      return true;
    }
    if (!this.dataPlane.reload()) {
      // counted by the data plane itself
      return this.refuse(['error: the data plane refused the compiled config (its "config reload refused" log line says why)'], false);
    }
    this.lastConfig = text;
    this.out(`reloaded ${gw} from the changed manifests (config generation ${this.dataPlane.current().id})`);
    return true;
  }

  private refuse(errors: readonly string[], count = true): false {
    // /metrics says what stderr says: cdk8s_gateway_config_reloads_total{result="failure"}, last_reload_successful 0
    if (count) this.dataPlane.reloadRefused();
    this.err(`cdk8s-gateway serve: the changed manifests were refused; still serving the last good config:\n${errors.map((e) => `  ${e}`).join('\n')}`);
    return false;
  }
}
