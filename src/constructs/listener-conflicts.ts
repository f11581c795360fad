import { Listener, ListenerProtocol } from './listener';
import { checkMaxItems } from '../spec/checks';
import { MAX_ITEMS } from '../spec/limits';
import { failObject, Where } from '../spec/where';

/** A port serves one family: cleartext HTTP, TLS (HTTPS and TLS share SNI), TCP, or UDP. */
function family(p: ListenerProtocol): string {
  switch (p) {
    case ListenerProtocol.HTTPS:
    case ListenerProtocol.TLS:
      return 'HTTPS/TLS';
    default:
      return p;
  }
}

function transport(p: ListenerProtocol): string {
  return p === ListenerProtocol.UDP ? 'udp' : 'tcp';
}

/**
 * Listener conflicts the spec reports as Conflicted (or the CRD rejects): duplicate names, the same
 * port/protocol/hostname twice, incompatible protocols on one port, one hostname twice on a TLS port.
 * Returns the problems; `throwFirst` throws the first one instead.
 * @internal
 */
export function listenerConflicts(listeners: readonly Listener[], label: (l: Listener) => string = (l) => `"${l.name}"`): string[] {
  const problems: string[] = [];
  for (let i = 0; i < listeners.length; i++) {
    for (let j = 0; j < i; j++) {
      const a = listeners[j];
      const b = listeners[i];
      if (a.name === b.name) {
        problems.push(`listener name "${b.name}" is used twice; listener names must be unique`);
        continue;
      }
      if (a.port !== b.port || transport(a.protocol) !== transport(b.protocol)) continue;
      const host = a.hostname ?? '';
      if (a.protocol === b.protocol && host === (b.hostname ?? '')) {
        problems.push(`listeners ${label(a)} and ${label(b)} both serve ${b.protocol} on port ${b.port} for ` +
          `${b.hostname ? `hostname "${b.hostname}"` : 'every hostname'}; change the port or the hostname of one`);
      } else if (family(a.protocol) !== family(b.protocol)) {
        problems.push(`listeners ${label(a)} (${a.protocol}) and ${label(b)} (${b.protocol}) share port ${b.port}; ` +
          'a port serves only one of HTTP, HTTPS/TLS or TCP (ProtocolConflict), so move one to another port');
      } else if (family(a.protocol) === 'HTTPS/TLS' && host === (b.hostname ?? '')) {
        problems.push(`listeners ${label(a)} (${a.protocol}) and ${label(b)} (${b.protocol}) both serve ` +
          `${b.hostname ? `hostname "${b.hostname}"` : 'every hostname'} on port ${b.port} (HostnameConflict); SNI cannot tell them apart`);
      }
    }
  }
  return problems;
}

/**
 * Checks `listener` as the next entry of a Gateway's or a ListenerSet's `listeners` (`where`): the count, its
 * own fields, conflicts with the listeners before it, its certificate refs and selectors. @internal
 */
export function checkNextListener(where: Where, listeners: readonly Listener[], listener: Listener): void {
  const all = [...listeners, listener];
  const at = where.at(listeners.length);
  checkMaxItems(where, all, MAX_ITEMS.listeners);
  listener._validate(at);
  const [conflict] = listenerConflicts(all);
  if (conflict) failObject(where, conflict);
  listener._render(at);
}
