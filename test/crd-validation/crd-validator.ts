/**
 * Validates Gateway API objects the way the API server does on create:
 *   1. structural defaulting (the CRD's `default`s are applied first),
 *   2. the openAPIV3Schema (ajv; unknown fields are errors, as with `kubectl apply --validate=strict`),
 *   3. `x-kubernetes-list-type` map/set uniqueness,
 *   4. every `x-kubernetes-validations` CEL rule (@marcbachmann/cel-js), with `self` bound the way
 *      Kubernetes binds it (integers as int, reserved property names escaped as `__name__`).
 *
 * CRDs come from $GATEWAY_API_CRDS or ../shared/gateway-api/v1.6.1 (relative to the repo root). A directory
 * with `standard/` and `experimental/` gives both channels; a directory of CRD files is the experimental one.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join, resolve } from 'node:path';
import type { Environment as CelEnvironment } from '@marcbachmann/cel-js' with { 'resolution-mode': 'import' };
import Ajv, { ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { parseAllDocuments } from 'yaml';
import { crdsDir } from '../support/shared-data';
// cel-js ships ESM only; jest compiles it to CommonJS (see the transform in .projenrc.ts), so require() it
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Environment } = require('@marcbachmann/cel-js') as { Environment: typeof CelEnvironment };

export type Channel = 'standard' | 'experimental';

/** A CEL rule the evaluator could not run, and why. */
export interface UnsupportedRule {
  readonly kind: string;
  readonly version: string;
  readonly path: string;
  readonly rule: string;
  readonly reason: string;
}

export interface CelStats {
  /** Distinct rules (kind, version, schema path, rule) compiled from the CRDs. */
  readonly compiled: number;
  /** Distinct rules that were evaluated against at least one object. */
  readonly exercised: number;
  /** Total rule evaluations. */
  readonly evaluations: number;
  /** Rules of the kinds and versions validated that no object reached (their field was never set). */
  readonly notReached: string[];
  /** Transition rules (they read `oldSelf`): they only run on update, never on create. */
  readonly transitionRules: string[];
  /** Rules rewritten into an equivalent that cel-js can run (RE2 `(?i)`, has() after an index), grouped by place. */
  readonly translated: string[];
  readonly unsupported: UnsupportedRule[];
}

interface CompiledRule {
  readonly id: string;
  readonly rule: string;
  readonly message: string;
  readonly run?: (ctx: { self: unknown }) => unknown;
  readonly transition: boolean;
}

interface KindSchema {
  readonly kind: string;
  readonly version: string;
  readonly schema: any;
  readonly validate: ValidateFunction;
}

// k8s.io/apiserver/pkg/cel/escaping.go
const CEL_RESERVED = new Set(['true', 'false', 'null', 'in', 'as', 'break', 'const', 'continue', 'else', 'for', 'function',
  'if', 'import', 'let', 'loop', 'package', 'namespace', 'return', 'var', 'void', 'while']);

function escapeProperty(name: string): string {
  if (CEL_RESERVED.has(name)) return `__${name}__`;
  return name.replace(/__/g, '__underscores__').replace(/\./g, '__dot__').replace(/-/g, '__dash__').replace(/\//g, '__slash__');
}

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

export const repoRoot = resolve(__dirname, '..', '..');

/** Where the CRDs are, or undefined (after printing a notice) when neither location exists. */
export function locateCrds(): { standard?: string; experimental: string } | undefined {
  const dir = crdsDir();
  if (!existsSync(dir)) {
    // eslint-disable-next-line no-console
    console.log(`crd-validation: SKIPPED: no Gateway API CRDs at ${dir} (set GATEWAY_API_CRDS to the v1.6.1 CRD directory)`);
    return undefined;
  }
  if (existsSync(join(dir, 'experimental'))) {
    return { experimental: join(dir, 'experimental'), standard: existsSync(join(dir, 'standard')) ? join(dir, 'standard') : undefined };
  }
  return { experimental: dir };
}

export class CrdValidator {
  /** Loads both channels, or returns undefined when the CRDs are not available (a notice is printed). */
  public static load(): CrdValidator | undefined {
    const where = locateCrds();
    if (!where) return undefined;
    return new CrdValidator(where);
  }

  public readonly channels: Channel[];
  private readonly schemas = new Map<string, KindSchema>(); // `${channel}|${apiVersion}|${kind}`
  private readonly rules = new Map<string, CompiledRule[]>(); // `${channel}|${apiVersion}|${kind}|${path}`
  private readonly ruleIds = new Set<string>();
  private readonly exercised = new Set<string>();
  private readonly unsupported = new Map<string, UnsupportedRule>();
  private readonly transition = new Set<string>();
  private readonly translated = new Map<string, number>();
  private evaluations = 0;
  /** `Kind/version` of every object validated, to list the rules no object reached. */
  private readonly versionsSeen = new Set<string>();
  private readonly env: CelEnvironment;
  private readonly ajv: Ajv;

  private constructor(dirs: { standard?: string; experimental: string }) {
    this.env = new Environment({ unlistedVariablesAreDyn: true, homogeneousAggregateLiterals: false })
      // Kubernetes CEL library functions the Gateway API rules use
      .registerFunction('isIP(string): bool', (s: string) => isIP(s) !== 0)
      // RE2 accepts a leading `(?i)`; JavaScript wants the `i` flag instead
      .registerFunction('string.re2Matches(string): bool', (s: string, re: string) => {
        const m = /^(\^?)\(\?i\)/.exec(re);
        return m ? new RegExp(m[1] + re.slice(m[0].length), 'i').test(s) : new RegExp(re).test(s);
      });
    this.ajv = new Ajv({ strict: false, allErrors: true, useDefaults: true, unicodeRegExp: false });
    addFormats(this.ajv);
    this.channels = [];
    if (dirs.standard) this.loadChannel('standard', dirs.standard);
    this.loadChannel('experimental', dirs.experimental);
  }

  /** Which (apiVersion, kind) pairs the channel serves. */
  public served(channel: Channel): string[] {
    return [...this.schemas.keys()].filter((k) => k.startsWith(channel + '|')).map((k) => k.slice(channel.length + 1).replace('|', ' '));
  }

  public handles(obj: any): boolean {
    return typeof obj?.apiVersion === 'string' && obj.apiVersion.startsWith('gateway.networking.k8s.io/');
  }

  /**
   * Validates one object; returns the errors (empty when the API server would accept it).
   * Objects outside gateway.networking.k8s.io are not checked here (the caller filters with `handles`).
   */
  public validate(obj: any, channel: Channel = 'experimental'): string[] {
    const key = `${channel}|${obj.apiVersion}|${obj.kind}`;
    const s = this.schemas.get(key);
    const where = `${obj.kind} ${obj.metadata?.namespace ?? '(no namespace)'}/${obj.metadata?.name}`;
    if (!s) return [`${where}: ${obj.apiVersion} ${obj.kind} is not served by the ${channel} channel`];
    this.versionsSeen.add(`${s.kind}/${s.version}`);
    const data = JSON.parse(JSON.stringify(obj));
    const errors: string[] = [];
    errors.push(...this.validateMetadata(data.metadata));
    if (!s.validate(data)) {
      for (const e of s.validate.errors ?? []) {
        const extra = e.keyword === 'additionalProperties' ? ` (${(e.params as any).additionalProperty})` : '';
        errors.push(`${e.instancePath || '/'}: ${e.message}${extra}`);
      }
    }
    // CEL runs only on objects that pass the schema (like the API server), so rules can trust types
    if (errors.length === 0) this.walk(s.schema, data, '', `${channel}|${obj.apiVersion}|${obj.kind}`, '', errors);
    return errors.map((e) => `${where}: ${e}`);
  }

  public stats(): CelStats {
    return {
      compiled: this.ruleIds.size,
      exercised: this.exercised.size,
      evaluations: this.evaluations,
      notReached: [...this.ruleIds].filter((id) => this.versionsSeen.has(id.split(' ')[0]) && !this.exercised.has(id) && !/\boldSelf\b/.test(id)).sort(),
      transitionRules: [...this.transition].sort(),
      translated: [...this.translated].sort().map(([k, n]) => `${k} (${n} rule${n > 1 ? 's' : ''})`),
      unsupported: [...this.unsupported.values()],
    };
  }

  /** A printable summary for the test output. */
  public report(): string {
    const s = this.stats();
    const lines = [
      `crd-validation: CEL rules compiled from the CRDs: ${s.compiled} (channels: ${this.channels.join(', ')})`,
      `crd-validation: CEL rules exercised by the objects validated: ${s.exercised}; evaluations: ${s.evaluations}`,
      `crd-validation: rules of the validated kinds/versions no object reached (field never set): ${s.notReached.length}`,
      ...s.notReached.map((r) => `  - ${r.length > 160 ? `${r.slice(0, 157)}...` : r}`),
      `crd-validation: transition rules (oldSelf, update-only, not applicable to create): ${s.transitionRules.length}`,
      ...s.transitionRules.map((r) => `  - ${r}`),
      `crd-validation: rules rewritten into an equivalent cel-js can run: ${[...this.translated.values()].reduce((a, b) => a + b, 0)}`,
      ...s.translated.map((r) => `  - ${r}`),
      `crd-validation: rules the evaluator cannot handle: ${s.unsupported.length}`,
      ...s.unsupported.map((u) => `  - ${u.kind}/${u.version} ${u.path}: ${u.reason}: ${u.rule}`),
    ];
    return lines.join('\n');
  }

  private loadChannel(channel: Channel, dir: string): void {
    this.channels.push(channel);
    const files = readdirSync(dir).filter((f) => /^gateway\.networking\.k8s\.io_.*\.yaml$/.test(f)).sort();
    for (const f of files) {
      for (const doc of parseAllDocuments(readFileSync(join(dir, f), 'utf8'))) {
        const crd = doc.toJSON();
        if (crd?.kind !== 'CustomResourceDefinition') continue;
        for (const v of crd.spec.versions) {
          if (!v.served) continue;
          const apiVersion = `${crd.spec.group}/${v.name}`;
          const schema = v.schema.openAPIV3Schema;
          const base = `${channel}|${apiVersion}|${crd.spec.names.kind}`;
          this.compileRules(schema, '', base, crd.spec.names.kind, v.name);
          const validate = this.ajv.compile(strictSchema(schema));
          this.schemas.set(base, { kind: crd.spec.names.kind, version: v.name, schema, validate });
        }
      }
    }
  }

  private compileRules(schema: any, path: string, base: string, kind: string, version: string): void {
    if (!schema || typeof schema !== 'object') return;
    const list: CompiledRule[] = [];
    for (const r of schema['x-kubernetes-validations'] ?? []) {
      const id = `${kind}/${version} ${path || '.'}: ${r.rule}`;
      const fresh = !this.ruleIds.has(id); // the same rule in both channels counts once
      this.ruleIds.add(id);
      const transition = /\boldSelf\b/.test(r.rule);
      const message = r.message ?? r.messageExpression ?? `failed rule: ${r.rule}`;
      if (transition) {
        this.transition.add(`${kind}/${version} ${path || '.'}: ${r.rule}`);
        list.push({ id, rule: r.rule, message, transition });
        continue;
      }
      const { text, translations } = translateRule(r.rule);
      if (translations.length > 0 && fresh) {
        const key = `${kind}/${version} ${path || '.'}: ${translations.join(', ')}`;
        this.translated.set(key, (this.translated.get(key) ?? 0) + 1);
      }
      try {
        const run = this.env.parse(text) as unknown as (ctx: { self: unknown }) => unknown;
        list.push({ id, rule: r.rule, message, run, transition });
      } catch (e) {
        this.unsupported.set(id, { kind, version, path: path || '.', rule: r.rule, reason: `does not compile: ${(e as Error).message.split('\n')[0]}` });
        list.push({ id, rule: r.rule, message, transition });
      }
    }
    if (list.length > 0) this.rules.set(`${base}|${path}`, list);
    for (const [k, child] of Object.entries<any>(schema.properties ?? {})) this.compileRules(child, `${path}.${k}`, base, kind, version);
    if (schema.items) this.compileRules(schema.items, `${path}[]`, base, kind, version);
    if (schema.additionalProperties && typeof schema.additionalProperties === 'object') {
      this.compileRules(schema.additionalProperties, `${path}{}`, base, kind, version);
    }
  }

  private walk(schema: any, data: any, path: string, base: string, where: string, errors: string[]): void {
    if (!schema || data === undefined || data === null) return;
    // list-type uniqueness (the API server reports "Duplicate value")
    if (Array.isArray(data)) {
      const listType = schema['x-kubernetes-list-type'];
      if (listType === 'set' || listType === 'map') {
        const keys: string[] = schema['x-kubernetes-list-map-keys'] ?? [];
        const seen = new Set<string>();
        for (const [i, item] of data.entries()) {
          const k = listType === 'set' ? JSON.stringify(item) : JSON.stringify(keys.map((key) => item?.[key]));
          if (seen.has(k)) errors.push(`${where}[${i}]: Duplicate value: ${k}`);
          seen.add(k);
        }
      }
    }
    for (const rule of this.rules.get(`${base}|${path}`) ?? []) {
      if (rule.transition) continue;
      this.exercised.add(rule.id);
      if (!rule.run) continue;
      this.evaluations++;
      let result: unknown;
      try {
        result = rule.run({ self: toCel(schema, data) });
      } catch (e) {
        const msg = (e as Error).message.split('\n')[0];
        // a missing key is a real failure on the API server too; anything else is the evaluator's limit
        if (/No such key/i.test(msg)) {
          errors.push(`${where || '/'}: ${rule.message} (rule errored: ${msg})`);
        } else {
          const [kind, rest] = rule.id.split(' ', 2);
          this.unsupported.set(rule.id, { kind: kind.split('/')[0], version: kind.split('/')[1], path: rest ?? path, rule: rule.rule, reason: `evaluation error: ${msg}` });
        }
        continue;
      }
      if (result !== true) errors.push(`${where || '/'}: ${rule.message}`);
    }
    if (Array.isArray(data)) {
      data.forEach((item, i) => this.walk(schema.items, item, `${path}[]`, base, `${where}[${i}]`, errors));
    } else if (typeof data === 'object') {
      for (const [k, v] of Object.entries(data)) {
        const child = schema.properties?.[k] ?? (typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined);
        const childPath = schema.properties?.[k] ? `${path}.${k}` : `${path}{}`;
        if (child) this.walk(child, v, childPath, base, `${where}/${k}`, errors);
      }
    }
  }

  private validateMetadata(md: any): string[] {
    const errors: string[] = [];
    if (!md?.name || md.name.length > 253 || !DNS_SUBDOMAIN.test(md.name)) {
      errors.push(`/metadata/name: "${md?.name}" must be a DNS subdomain (lower case alphanumerics, '-' and '.', at most 253)`);
    }
    if (md?.namespace !== undefined && (md.namespace.length > 63 || !DNS_LABEL.test(md.namespace))) {
      errors.push(`/metadata/namespace: "${md.namespace}" must be a DNS label`);
    }
    for (const [k, v] of Object.entries<string>(md?.labels ?? {})) {
      if (!qualifiedName(k)) errors.push(`/metadata/labels: key "${k}" is not a qualified name`);
      if (v.length > 63 || !LABEL_VALUE.test(v)) errors.push(`/metadata/labels/${k}: value "${v}" is not a valid label value`);
    }
    for (const k of Object.keys(md?.annotations ?? {})) {
      if (!qualifiedName(k)) errors.push(`/metadata/annotations: key "${k}" is not a qualified name`);
    }
    return errors;
  }
}

/**
 * Rewrites the two constructs cel-js cannot run into equivalents it can:
 * - `x.matches(r"^(?i)...")`: RE2's inline case-insensitive flag → a registered `re2Matches` using the `i` flag;
 * - `has(a[i].f)`: cel-js rejects has() on a selection after an index → `('f' in a[i])`, which is the same
 *   presence test on an object.
 */
function translateRule(rule: string): { text: string; translations: string[] } {
  const translations: string[] = [];
  let text = rule;
  if (/\.matches\((r?"""|r?"|r?')\^?\(\?i\)/.test(text)) {
    text = text.replace(/\.matches\(/g, '.re2Matches(');
    translations.push('(?i) regex flag');
  }
  const indexedHas = /has\(([A-Za-z_][\w.]*\[[^\]]+\](?:\.[A-Za-z_]\w*)*)\.([A-Za-z_]\w*)\)/g;
  if (indexedHas.test(text)) {
    text = text.replace(indexedHas, "('$2' in $1)");
    translations.push('has() after an index');
  }
  return { text, translations };
}

function qualifiedName(key: string): boolean {
  const parts = key.split('/');
  if (parts.length > 2) return false;
  const name = parts[parts.length - 1];
  if (name.length > 63 || !LABEL_NAME.test(name)) return false;
  return parts.length === 1 || (parts[0].length <= 253 && DNS_SUBDOMAIN.test(parts[0]));
}

/**
 * The schema as ajv sees it: objects with declared properties reject unknown fields. Branches of
 * oneOf/anyOf/allOf/not only constrain values (structural schemas), so they stay open.
 */
function strictSchema(schema: any, inBranch = false): any {
  if (Array.isArray(schema)) return schema.map((s) => strictSchema(s, inBranch));
  if (!schema || typeof schema !== 'object') return schema;
  const out: any = {};
  for (const [k, v] of Object.entries(schema)) {
    if (k === 'x-kubernetes-validations' || k === 'description') continue;
    const branch = inBranch || ['oneOf', 'anyOf', 'allOf', 'not'].includes(k);
    out[k] = k === 'properties'
      ? Object.fromEntries(Object.entries<any>(v as any).map(([p, s]) => [p, strictSchema(s, inBranch)]))
      : strictSchema(v, branch);
  }
  if (!inBranch && out.properties && out.additionalProperties === undefined && !out['x-kubernetes-preserve-unknown-fields']) {
    out.additionalProperties = false;
  }
  return out;
}

/** The value Kubernetes binds to `self`: integers are CEL ints, object properties escaped, maps keyed as written. */
function toCel(schema: any, data: any): any {
  if (data === null || data === undefined) return data;
  if (schema?.type === 'integer' && typeof data === 'number') return BigInt(data);
  if (Array.isArray(data)) return data.map((d) => toCel(schema?.items, d));
  if (typeof data === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(data)) {
      if (schema?.properties?.[k]) out[escapeProperty(k)] = toCel(schema.properties[k], v);
      else out[k] = toCel(typeof schema?.additionalProperties === 'object' ? schema.additionalProperties : undefined, v);
    }
    return out;
  }
  return data;
}

/**
 * A CRD-validation suite: `body` runs with a validator, and the CEL report is printed after it. Without
 * CRDs the suite shows one skipped test whose title says why.
 */
export function describeWithCrds(name: string, body: (validator: CrdValidator) => void): void {
  const validator = CrdValidator.load();
  describe(name, () => {
    if (!validator) {
      test.skip('SKIPPED: no Gateway API v1.6.1 CRDs (set GATEWAY_API_CRDS, or put them in ../shared/gateway-api/v1.6.1)', () => undefined);
      return;
    }
    // eslint-disable-next-line no-console
    afterAll(() => console.log(validator.report()));
    body(validator);
  });
}
