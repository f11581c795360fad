/** Label and field selectors as the API server parses them from `labelSelector=` and `fieldSelector=`. */

type Requirement = (labels: Record<string, string>) => boolean;

export class SelectorError extends Error {}

/** `a=b,c!=d,e,!f,g in (x,y),h notin (z)`; an empty selector selects everything. */
export function parseLabelSelector(text: string | null): Requirement {
  if (!text) return () => true;
  const reqs: Requirement[] = [];
  // split on commas outside parentheses
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(cur);
      cur = '';
    } else {
      cur += ch;
    }
  }
  parts.push(cur);
  for (const raw of parts) {
    const p = raw.trim();
    let m: RegExpExecArray | null;
    if ((m = /^([\w./-]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(p))) {
      const [, key, op, list] = m;
      const values = list.split(',').map((v) => v.trim());
      reqs.push(op === 'in' ? (l) => key in l && values.includes(l[key]) : (l) => !(key in l) || !values.includes(l[key]));
    } else if ((m = /^([\w./-]+)\s*(==|=|!=)\s*([\w./-]*)$/.exec(p))) {
      const [, key, op, value] = m;
      reqs.push(op === '!=' ? (l) => l[key] !== value : (l) => l[key] === value);
    } else if ((m = /^!([\w./-]+)$/.exec(p))) {
      const key = m[1];
      reqs.push((l) => !(key in l));
    } else if ((m = /^([\w./-]+)$/.exec(p))) {
      const key = m[1];
      reqs.push((l) => key in l);
    } else {
      throw new SelectorError(`unable to parse requirement: "${p}"`);
    }
  }
  return (labels) => reqs.every((r) => r(labels));
}

/** `metadata.name=x,metadata.namespace!=y` (the fields every resource supports). */
export function parseFieldSelector(text: string | null): (obj: any) => boolean {
  if (!text) return () => true;
  const reqs: Array<(obj: any) => boolean> = [];
  for (const p of text.split(',')) {
    const m = /^(metadata\.name|metadata\.namespace)\s*(==|=|!=)\s*(.*)$/.exec(p.trim());
    if (!m) throw new SelectorError(`field label not supported: ${p.split(/[=!]/)[0]}`);
    const [, field, op, value] = m;
    const get = (o: any) => (field === 'metadata.name' ? o.metadata?.name : o.metadata?.namespace ?? '');
    reqs.push(op === '!=' ? (o) => get(o) !== value : (o) => get(o) === value);
  }
  return (obj) => reqs.every((r) => r(obj));
}
