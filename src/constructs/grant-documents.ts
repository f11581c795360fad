/**
 * Writes each team grant of the app as a document to `<outdir>/grants/` when the app synthesizes, for teams whose
 * routes live in their own repositories (they read it with `Team.fromGrantFile()`). The folder keeps the
 * documents out of `kubectl apply -f dist/`, which does not descend into folders without `-R`.
 *
 * cdk8s has no hook after `App.synth()` has written its files, so the app's `synth` is wrapped (once, on the
 * instance): the documents are written exactly when dist/ is, never by `synthYaml()` or `Testing.synth()`.
 *
 * Internal: not exported from src/index.ts.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App } from 'cdk8s';
import { IConstruct } from 'constructs';
import type { TeamGrant } from './team';
import { grantDocumentFileName, TEAM_GRANT_DIR } from '../spec/team-grant-document';

const wrapped = new WeakMap<App, TeamGrant[]>();

/** Registers `grant` for writing at the synth of its app (when its root is a cdk8s App). */
export function writeGrantDocumentsAtSynth(grant: TeamGrant): void {
  const root: IConstruct = grant.node.root;
  if (!(root instanceof App)) return;
  let grants = wrapped.get(root);
  if (!grants) {
    const list: TeamGrant[] = [];
    grants = list;
    wrapped.set(root, list);
    const synth = root.synth.bind(root);
    root.synth = () => {
      synth();
      writeGrantDocuments(root.outdir, list);
    };
  }
  grants.push(grant);
}

/** Writes the documents of `grants` to `<outdir>/grants/`, replacing the documents a previous synth left there. */
export function writeGrantDocuments(outdir: string, grants: readonly TeamGrant[]): string[] {
  const dir = path.join(outdir, TEAM_GRANT_DIR);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  return grants.map((g) => {
    const file = path.join(dir, grantDocumentFileName(g._data()));
    fs.writeFileSync(file, `${JSON.stringify(g.toDocument(), null, 2)}\n`);
    return file;
  });
}
