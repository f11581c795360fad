/**
 * The migration report: every Ingress, every annotation and feature, what it became, and everything with no
 * Gateway API equivalent with the object, the annotation and why. Printed on stderr, written as JSON with
 * `--report`, and turned into synth warnings by the IngressMigration construct.
 */
import { AnnotationFinding, FindingStatus } from './annotations';
import { PathFate } from './nginx-model';

export interface IngressReport {
  /** `ns/name`. */
  readonly ingress: string;
  readonly source: string;
  /** False when --ingress-class left it out. */
  readonly selected: boolean;
  readonly skipped?: string;
  readonly annotations: AnnotationFinding[];
  /** Paths, default backends, TLS entries and other features, with what they became. */
  readonly features: PathFate[];
}

/** One thing that was not translated (or only approximately), with the object, the annotation and why. */
export interface ReportItem {
  /** `Ingress ns/name`. */
  readonly object: string;
  /** The annotation, or the feature (`spec.rules[0].http.paths[1] (host /path)`). */
  readonly what: string;
  readonly value?: string;
  readonly reason: string;
}

export interface MigrationReport {
  readonly summary: {
    readonly ingresses: number;
    readonly skipped: number;
    readonly annotations: number;
    readonly translated: number;
    readonly approximated: number;
    readonly untranslatable: number;
    readonly ignored: number;
    /** Output objects by kind. */
    readonly objects: Record<string, number>;
  };
  readonly ingresses: IngressReport[];
  readonly untranslatable: ReportItem[];
  readonly approximated: ReportItem[];
  /** Input problems (malformed objects). */
  readonly problems: string[];
  /** True when the output needs the Gateway API experimental channel CRDs. */
  readonly experimental: boolean;
}

/** Fills in what an annotation that landed nowhere means, so no finding is left without an account. */
export function settle(f: AnnotationFinding): void {
  if (f.status !== 'translated' || f.became.length > 0) return;
  const key = f.annotation.replace(/^nginx\.ingress\.kubernetes\.io\//, '');
  const defaults: Record<string, string> = {
    'ssl-redirect': f.value.trim() === 'false' ? 'http requests are served on port 80, not redirected' : 'the host has no certificate, so there is nothing to redirect to',
    'force-ssl-redirect': 'no forced redirect',
    'preserve-trailing-slash': 'no redirect to keep the slash in',
    'use-regex': 'the paths are not regular expressions',
    'canary': 'not a canary',
    'from-to-www-redirect': 'no www redirect',
    'backend-protocol': 'HTTP/1.1 to the backend (the default)',
    'affinity-mode': 'balanced (the default)',
    'mirror-request-body': 'the mirror gets the body (the default)',
    'enable-cors': 'CORS off',
    'ssl-passthrough': 'TLS is terminated at the Gateway',
  };
  f.became.push(defaults[key] ?? 'no effect here (no path of this Ingress uses it, or its value is the default)');
}

export function buildReport(args: {
  ingresses: IngressReport[];
  problems: string[];
  objects: Array<Record<string, unknown>>;
  experimental: boolean;
}): MigrationReport {
  const all = args.ingresses.filter((i) => i.selected);
  for (const i of all) i.annotations.forEach(settle);
  const annotations = all.flatMap((i) => i.annotations);
  const ingresses = all.filter((i) => i.ingress !== '').length;
  const count = (s: FindingStatus) => annotations.filter((a) => a.status === s).length;
  const items = (status: FindingStatus): ReportItem[] => all.flatMap((i) => [
    ...i.annotations.filter((a) => a.status === status).map((a) => ({ object: `Ingress ${i.ingress}`, what: a.annotation, value: a.value, reason: a.reason ?? '' })),
    ...i.features.filter((f) => f.status === status).map((f) => ({ object: i.ingress ? `Ingress ${i.ingress}` : 'Gateway', what: f.feature, reason: f.text })),
  ]);
  const objects: Record<string, number> = {};
  for (const o of args.objects) objects[String(o.kind)] = (objects[String(o.kind)] ?? 0) + 1;
  return {
    summary: {
      ingresses,
      skipped: args.ingresses.filter((i) => !i.selected).length,
      annotations: annotations.length,
      translated: count('translated'),
      approximated: count('approximated'),
      untranslatable: count('untranslatable'),
      ignored: count('ignored'),
      objects,
    },
    ingresses: args.ingresses,
    untranslatable: items('untranslatable'),
    approximated: items('approximated'),
    problems: args.problems,
    experimental: args.experimental,
  };
}

const MARK: Record<FindingStatus, string> = { translated: 'translated', approximated: 'APPROXIMATED', untranslatable: 'UNTRANSLATABLE', ignored: 'ignored' };

/** The report as people read it (what `migrate` prints on stderr). */
export function formatReport(r: MigrationReport): string {
  const lines: string[] = [];
  for (const p of r.problems) lines.push(`problem: ${p}`);
  for (const i of r.ingresses) {
    if (!i.selected) {
      lines.push(`Ingress ${i.ingress} (${i.source}): skipped, ${i.skipped}`);
      continue;
    }
    lines.push(i.ingress ? `Ingress ${i.ingress} (${i.source})` : 'The Gateway');
    for (const f of i.features) lines.push(`  ${f.feature}: ${f.status === 'translated' ? '' : `${MARK[f.status]}: `}${f.text}`);
    for (const a of i.annotations) {
      const became = a.became.length ? ` → ${a.became.join('; ')}` : '';
      lines.push(`  ${a.annotation}: ${JSON.stringify(a.value)} ${MARK[a.status]}${a.reason ? `: ${a.reason}` : ''}${a.status === 'translated' || a.status === 'approximated' ? became : ''}`);
    }
  }
  const s = r.summary;
  lines.push('');
  lines.push(`${s.ingresses} Ingress${s.ingresses === 1 ? '' : 'es'} migrated${s.skipped ? `, ${s.skipped} skipped` : ''}; ${s.annotations} annotations: ` +
    `${s.translated} translated, ${s.approximated} approximated, ${s.untranslatable} untranslatable, ${s.ignored} ignored`);
  lines.push(`objects: ${Object.entries(s.objects).map(([k, n]) => `${n} ${k}`).join(', ') || 'none'}`);
  if (r.experimental) lines.push('the output uses experimental-channel fields (ExternalAuth, retry or sessionPersistence): install the Gateway API experimental CRDs');
  if (r.untranslatable.length) {
    lines.push('');
    lines.push('untranslatable (no Gateway API equivalent):');
    for (const u of r.untranslatable) lines.push(`  ${u.object}: ${u.what}${u.value !== undefined ? ` ${JSON.stringify(u.value)}` : ''}: ${u.reason}`);
  }
  return lines.join('\n');
}
