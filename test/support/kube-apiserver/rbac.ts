/**
 * Authorization the way Kubernetes RBAC decides it, read from the Role, ClusterRole, RoleBinding and
 * ClusterRoleBinding objects stored in the stand-in API server: a request is allowed when some binding that
 * names the user (or one of its groups, or its ServiceAccount) refers to a role with a rule matching the
 * verb, API group, resource (`resource/subresource` for subresources) and, when given, the object name.
 * Aggregated ClusterRoles and non-resource URLs are not evaluated (discovery is open to every authenticated user).
 */

export interface User {
  readonly name: string;
  readonly groups: readonly string[];
}

export interface Attributes {
  readonly verb: string;
  readonly group: string;
  readonly resource: string;
  readonly subresource: string;
  readonly namespace: string;
  readonly name: string;
}

export interface RbacObjects {
  roles(namespace: string): any[];
  clusterRoles(): any[];
  roleBindings(namespace: string): any[];
  clusterRoleBindings(): any[];
}

function matches(list: unknown, value: string): boolean {
  return Array.isArray(list) && (list.includes('*') || list.includes(value));
}

function ruleAllows(rule: any, a: Attributes): boolean {
  const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  if (!matches(rule.verbs, a.verb) || !matches(rule.apiGroups, a.group)) return false;
  if (!matches(rule.resources, resource) && !(a.subresource && matches(rule.resources, `${a.resource}/*`))) return false;
  if (Array.isArray(rule.resourceNames) && rule.resourceNames.length > 0) return a.name !== '' && rule.resourceNames.includes(a.name);
  return true;
}

function bindsUser(binding: any, user: User): boolean {
  for (const s of binding.subjects ?? []) {
    if (s.kind === 'User' && s.name === user.name) return true;
    if (s.kind === 'Group' && user.groups.includes(s.name)) return true;
    if (s.kind === 'ServiceAccount' && user.name === `system:serviceaccount:${s.namespace ?? binding.metadata?.namespace}:${s.name}`) return true;
  }
  return false;
}

export function authorize(rbac: RbacObjects, user: User, a: Attributes): boolean {
  if (user.groups.includes('system:masters')) return true;
  const roleRules = (ref: any, namespace: string): any[] => {
    const role = ref?.kind === 'ClusterRole'
      ? rbac.clusterRoles().find((r) => r.metadata?.name === ref.name)
      : rbac.roles(namespace).find((r) => r.metadata?.name === ref?.name);
    return role?.rules ?? [];
  };
  for (const b of rbac.clusterRoleBindings()) {
    if (bindsUser(b, user) && roleRules(b.roleRef, '').some((r) => ruleAllows(r, a))) return true;
  }
  if (a.namespace) {
    for (const b of rbac.roleBindings(a.namespace)) {
      if (bindsUser(b, user) && roleRules(b.roleRef, a.namespace).some((r) => ruleAllows(r, a))) return true;
    }
  }
  return false;
}
