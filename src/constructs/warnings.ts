import { IConstruct } from 'constructs';

const WARNING = 'cdk8s-gateway:warning';

/**
 * Warnings the constructs recorded: things that synthesize but deserve a look, such as experimental-channel
 * fields (they need the experimental Gateway API CRDs) or a rule that can only answer 500.
 * cdk8s has no warning channel of its own; the `cdk8s-gateway` CLI and the synth step print these.
 */
export class Warnings {
  /** All warnings under `scope` (use the App for everything), as `<construct path>: <message>` (the App's own: the message,
   * which names its object), in tree order. */
  public static of(scope: IConstruct): string[] {
    const out: string[] = [];
    for (const c of scope.node.findAll()) {
      for (const entry of c.node.metadata) {
        // the App's own path is empty: its warnings (which name their object) are printed as they are
        if (entry.type === WARNING) out.push(c.node.path ? `${c.node.path}: ${entry.data}` : String(entry.data));
      }
    }
    return out;
  }

  private constructor() {}
}

/** Records a warning once per construct. @internal */
export function addWarning(c: IConstruct, message: string): void {
  if (c.node.metadata.some((m) => m.type === WARNING && m.data === message)) return;
  c.node.addMetadata(WARNING, message);
}
