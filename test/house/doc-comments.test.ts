/**
 * The compiler and the router read like a guide to the spec: every exported function, class, interface,
 * type, enum and constant of src/compiler/ and src/router/ has a doc comment (`/** ... *\/`) of a few words.
 * A failure names the file, the line and the declaration. Re-exports (`export { x } from`) are documented
 * where they are declared.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';

const SRC = path.join(__dirname, '..', '..', 'src');
const FOLDERS = ['compiler', 'router'];
/** Fewer words than this is a label, not a description. */
const MIN_WORDS = 4;

interface Declaration {
  readonly where: string;
  readonly name: string;
  readonly doc: string | undefined;
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

function isExported(node: ts.Node): boolean {
  return ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
}

/** The `/** *\/` comment right before `node` (its text without the markers), if any. */
function docOf(node: ts.Node, source: ts.SourceFile): string | undefined {
  const ranges = ts.getLeadingCommentRanges(source.text, node.getFullStart()) ?? [];
  const last = ranges[ranges.length - 1];
  if (!last) return undefined;
  const text = source.text.slice(last.pos, last.end);
  return text.startsWith('/**') ? text.slice(3, -2).replace(/^\s*\*\s?/gm, '').trim() : undefined;
}

/** Every exported declaration of a file, with its doc comment. */
export function exportedDeclarations(file: string, text = fs.readFileSync(file, 'utf8')): Declaration[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const out: Declaration[] = [];
  const at = (node: ts.Node) => `${path.relative(path.join(SRC, '..'), file)}:${source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1}`;
  for (const node of source.statements) {
    if (!isExported(node)) continue;
    if (ts.isVariableStatement(node)) {
      for (const d of node.declarationList.declarations) out.push({ where: at(node), name: d.name.getText(source), doc: docOf(node, source) });
    } else if (ts.isFunctionDeclaration(node) || ts.isClassDeclaration(node) || ts.isInterfaceDeclaration(node) ||
      ts.isTypeAliasDeclaration(node) || ts.isEnumDeclaration(node)) {
      out.push({ where: at(node), name: node.name?.getText(source) ?? 'default', doc: docOf(node, source) });
    }
  }
  return out;
}

function undocumented(decls: readonly Declaration[]): string[] {
  return decls
    .filter((d) => d.doc === undefined || d.doc.split(/\s+/).filter(Boolean).length < MIN_WORDS)
    .map((d) => `${d.where}: ${d.name} ${d.doc === undefined ? 'has no doc comment' : `has only "${d.doc}"`}: say what it takes, ` +
      'what it returns and which part of the spec it follows');
}

test.each(FOLDERS)('every export of src/%s/ has a doc comment', (folder) => {
  const decls = sourceFiles(path.join(SRC, folder)).flatMap((f) => exportedDeclarations(f));
  expect(decls.length).toBeGreaterThan(20);
  expect(undocumented(decls)).toEqual([]);
});

test('the check sees exports without a comment, with a line comment or with a label only', () => {
  // GIVEN
  const text = [
    '/** Compiles the listeners of a Gateway (Gateway spec.listeners). */',
    'export function documented(): void {}',
    'export function bare(): void {}',
    '// a line comment is not a doc comment',
    'export interface LineCommented {}',
    '/** A label. */',
    'export const LABELLED = 1;',
    'function notExported(): void {}',
  ].join('\n');

  // WHEN
  const problems = undocumented(exportedDeclarations(path.join(SRC, 'compiler', 'probe.ts'), text));

  // THEN
  expect(problems.map((p) => p.split(':').slice(0, 3).join(':'))).toEqual([
    'src/compiler/probe.ts:3: bare has no doc comment',
    'src/compiler/probe.ts:5: LineCommented has no doc comment',
    'src/compiler/probe.ts:7: LABELLED has only "A label."',
  ]);
});
