/**
 * A team grant imported from the platform's exported document, in a team's app that does not hold the Gateway
 * (its own repository). It gives the team's handle the grant's data, so the factories run the same rules as in
 * the platform's app, and registers the grant audit, which compiles the team's objects against the Gateway's
 * listeners as the document carries them.
 *
 * Internal: not exported from src/index.ts (users call `Team.fromGrant()` / `Team.fromGrantFile()`).
 */
import { Construct } from 'constructs';
import { appState } from './app-state';
import { enableGrantAudit } from './grant-audit';
import type { Listener, RouteKind } from './listener';
import type { RouteBase } from './route-base';
import type { GrantHandle } from './team';
import { checkDnsLabel } from '../spec/checks';
import { GrantData } from '../spec/team-grant';
import { GrantGatewayData, readGrantDocument } from '../spec/team-grant-document';
import { failObject, show, Where } from '../spec/where';

export class ImportedTeamGrant extends Construct implements GrantHandle {
  /** The imported grants of the app of `scope`, for the grant audit. */
  public static of(scope: Construct): ImportedTeamGrant[] {
    return scope.node.root.node.findAll().filter((c): c is ImportedTeamGrant => c instanceof ImportedTeamGrant);
  }

  public readonly teamName: string;
  public readonly namespace: string;
  /** The Gateway as the document carries it: the audit compiles the team's routes against its listeners. */
  public readonly gatewayData: GrantGatewayData;
  public readonly _routes: RouteBase[] = [];
  private readonly data: GrantData;

  public constructor(scope: Construct, id: string, source: string, document: unknown) {
    // read and checked before the construct joins the tree
    checkDnsLabel(new Where(`Team.fromGrant(${show(id)})`, 'id'), id);
    const { data, gateway } = readGrantDocument(source, document);
    const owner = appState(scope).teamNamespaces.get(data.namespace);
    if (owner && owner.team !== data.team) {
      failObject(new Where(`TeamGrant document ${source}`, 'spec.namespace'), `namespace "${data.namespace}" is already granted to team "${owner.team}" ` +
        `(${owner.grantPath}); one namespace belongs to one team`);
    }
    super(scope, id);
    this.data = data;
    this.gatewayData = gateway;
    this.teamName = data.team;
    this.namespace = data.namespace;
    const state = appState(this);
    if (!owner) state.teamNamespaces.set(data.namespace, { team: data.team, grantPath: this.node.path, emitted: true });
    for (const b of data.backendGrants) {
      state.importedBackendGrants.push({
        fromNamespace: data.namespace, fromKinds: data.routeKinds, toNamespace: b.namespace, serviceNames: b.serviceNames,
      });
    }
    enableGrantAudit(this);
  }

  public _data(): GrantData {
    return this.data;
  }

  /** The Gateway is not in this app: the grant audit judges attachments (compiling against the document's listeners). */
  public _attachableListeners(): Listener[] {
    return [];
  }

  public _refusal(_listener: Listener, _kind: RouteKind, _namespace: string): string | undefined {
    return undefined;
  }
}
