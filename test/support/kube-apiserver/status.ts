/** `metav1.Status` bodies, as the API server words them (clients and kubectl print `message`). */

export interface StatusBody {
  readonly kind: 'Status';
  readonly apiVersion: 'v1';
  readonly metadata: Record<string, never>;
  readonly status: 'Failure' | 'Success';
  readonly message: string;
  readonly reason: string;
  readonly details?: Record<string, unknown>;
  readonly code: number;
}

export function status(code: number, reason: string, message: string, details?: Record<string, unknown>): StatusBody {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: code < 400 ? 'Success' : 'Failure', message, reason, ...(details ? { details } : {}), code };
}

/** `httproutes.gateway.networking.k8s.io` (core resources have no group suffix). */
export function qualified(resource: string, group: string): string {
  return group ? `${resource}.${group}` : resource;
}

export const notFound = (resource: string, group: string, name: string) =>
  status(404, 'NotFound', `${qualified(resource, group)} "${name}" not found`, { name, ...(group ? { group } : {}), kind: resource });

export const alreadyExists = (resource: string, group: string, name: string) =>
  status(409, 'AlreadyExists', `${qualified(resource, group)} "${name}" already exists`, { name, ...(group ? { group } : {}), kind: resource });

export const conflict = (resource: string, group: string, name: string) =>
  status(409, 'Conflict', `Operation cannot be fulfilled on ${qualified(resource, group)} "${name}": the object has been modified; ` +
    'please apply your changes to the latest version and try again', { name, ...(group ? { group } : {}), kind: resource });

export const unauthorized = () => status(401, 'Unauthorized', 'Unauthorized');

/** The RBAC authorizer's wording. */
export function forbidden(
  user: string, verb: string, resource: string, subresource: string, group: string, namespace: string, name: string,
): StatusBody {
  const what = subresource ? `${resource}/${subresource}` : resource;
  const where = namespace ? `in the namespace "${namespace}"` : 'at the cluster scope';
  const subject = name ? `${qualified(resource, group)} "${name}"` : qualified(resource, group);
  return status(403, 'Forbidden', `${subject} is forbidden: User "${user}" cannot ${verb} resource "${what}" in API group "${group}" ${where}`,
    { ...(name ? { name } : {}), ...(group ? { group } : {}), kind: resource });
}

export const expired = (message: string) => status(410, 'Expired', message);
export const badRequest = (message: string) => status(400, 'BadRequest', message);
export const invalid = (kind: string, name: string, message: string) => status(422, 'Invalid', `${kind} "${name}" is invalid: ${message}`, { name, kind });
