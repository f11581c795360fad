import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { compile } from '../../src/compiler';
import type { DataPlaneConfig } from '../../src/config/dataplane-config';
import { migrateIngresses, Migration, MigrationOptions } from '../../src/migrate';
import { explainRequest } from '../../src/router';

export const FIXTURES = path.join(__dirname, 'fixtures');

/** The objects of fixture files (and the Services next to them, fixtures/services.yaml). */
export function fixtureObjects(...files: string[]): { objects: unknown[]; sources: string[] } {
  const objects: unknown[] = [];
  const sources: string[] = [];
  for (const f of [...files, 'services.yaml']) {
    parseAllDocuments(fs.readFileSync(path.join(FIXTURES, f), 'utf8')).forEach((d, i) => {
      const v = d.toJS();
      if (v) {
        objects.push(v);
        sources.push(`${f}#${i}`);
      }
    });
  }
  return { objects, sources };
}

/** Ingress objects written inline in a test, with the fixture Services. */
export function inlineObjects(yaml: string): unknown[] {
  return [...parseAllDocuments(yaml).map((d) => d.toJS()).filter((v) => v), ...fixtureObjects().objects];
}

export function migrateFixtures(files: string[], options: MigrationOptions = {}): Migration {
  const { objects, sources } = fixtureObjects(...files);
  return migrateIngresses(objects, { ...options, sources });
}

/** The DataPlaneConfig of the migrated Gateway. */
export function configOf(m: Migration): DataPlaneConfig {
  const r = compile(m.objects, { allGateways: true });
  const c = r.configs.find((x) => x.gateway.name === m.context.gateway.name && x.gateway.namespace === m.context.gateway.namespace);
  if (!c) throw new Error(`no config: ${JSON.stringify(r.status.filter((s) => s.kind === 'Gateway'))}`);
  return c;
}

/**
 * What the migrated Gateway does with a request, in a word: `ns/svc:port /path` when forwarded (the path the
 * backend sees), `301 http://...` for a redirect, or the status it answers.
 */
export function gatewayAnswer(config: DataPlaneConfig, url: string, headers: Record<string, string> = {}, method = 'GET'): string {
  const e = explainRequest(config, { method, url, headers });
  if (e.redirect) return `${e.redirect.statusCode} ${e.redirect.location}`;
  if (e.code !== 'GW_ROUTED') return String(e.status);
  const rewrite = e.filters.find((f) => f.type === 'URLRewrite');
  let p = e.request.path;
  if (rewrite && rewrite.type === 'URLRewrite' && rewrite.path) {
    p = rewrite.path.type === 'ReplaceFullPath' ? rewrite.path.value : (rewrite.path.value.replace(/\/+$/, '') + p.slice(e.match!.path.value === '/' ? 0 : e.match!.path.value.length)) || '/';
  }
  const backends = e.backends.filter((b) => b.backend && b.weight > 0);
  if (backends.length === 1) return `${backends[0].backend!.id} ${p}`;
  return backends.map((b) => `${b.backend!.id}=${b.percent}%`).join(' ');
}

/** The findings of one Ingress's annotation. */
export function finding(m: Migration, ingress: string, annotation: string) {
  const i = m.report.ingresses.find((x) => x.ingress === ingress);
  const key = annotation.includes('/') ? annotation : `nginx.ingress.kubernetes.io/${annotation}`;
  const f = i?.annotations.find((a) => a.annotation === key);
  if (!f) throw new Error(`no finding ${key} on ${ingress}`);
  return f;
}

/** The feature findings (paths, TLS, default backends) of one Ingress. */
export function features(m: Migration, ingress: string) {
  return m.report.ingresses.find((x) => x.ingress === ingress)?.features ?? [];
}
