import type { Condition, ObjectStatus } from '../compiler';

/** Conditions whose False (or True, for Conflicted/PartiallyInvalid/Overlapping) is a problem. */
function isProblem(c: Condition): boolean {
  if (c.type === 'Conflicted' || c.type === 'PartiallyInvalid' || c.type === 'OverlappingTLSConfig' || c.type === 'InsecureFrontendValidationMode') return c.status === 'True';
  return c.status !== 'True';
}

function line(c: Condition): string {
  return `${isProblem(c) ? '✘' : '✔'} ${c.type}=${c.status} ${c.reason}${isProblem(c) ? `: ${c.message}` : ''}`;
}

/** A readable summary of statuses: one block per object, problems with their messages. */
export function formatStatus(statuses: readonly ObjectStatus[]): string {
  const out: string[] = [];
  for (const s of statuses) {
    out.push(`${s.kind} ${s.namespace ? `${s.namespace}/` : ''}${s.name}`);
    for (const c of s.conditions ?? []) out.push(`  ${line(c)}`);
    for (const l of s.listeners ?? []) {
      out.push(`  listener ${l.name} (attachedRoutes ${l.attachedRoutes}, kinds ${l.supportedKinds.map((k) => k.kind).join(',') || 'none'})`);
      for (const c of l.conditions) out.push(`    ${line(c)}`);
    }
    for (const p of s.parents ?? []) {
      const r = p.parentRef;
      out.push(`  parent ${r.kind} ${r.namespace}/${r.name}${r.sectionName ? ` section ${r.sectionName}` : ''}${r.port ? ` port ${r.port}` : ''}`);
      for (const c of p.conditions) out.push(`    ${line(c)}`);
    }
    for (const a of s.ancestors ?? []) {
      out.push(`  ancestor Gateway ${a.ancestorRef.namespace}/${a.ancestorRef.name}`);
      for (const c of a.conditions) out.push(`    ${line(c)}`);
    }
  }
  return out.join('\n');
}

/** Objects that are not Accepted (Gateways, ListenerSets, route parents): what makes `compile` exit 1. */
export function notAccepted(statuses: readonly ObjectStatus[]): string[] {
  const out: string[] = [];
  for (const s of statuses) {
    const who = `${s.kind} ${s.namespace ? `${s.namespace}/` : ''}${s.name}`;
    if (s.kind === 'Gateway' || s.kind === 'ListenerSet' || s.kind === 'GatewayClass') {
      const a = s.conditions?.find((c) => c.type === 'Accepted');
      if (a && a.status !== 'True') out.push(`${who}: ${a.reason}: ${a.message}`);
    }
    for (const p of s.parents ?? []) {
      const a = p.conditions.find((c) => c.type === 'Accepted');
      if (a && a.status !== 'True') out.push(`${who} (parent ${p.parentRef.namespace}/${p.parentRef.name}): ${a.reason}: ${a.message}`);
    }
  }
  return out;
}
