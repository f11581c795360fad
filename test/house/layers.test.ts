/**
 * The layer map of ../shared/DESIGN.md, checked on every import of src/: static imports and re-exports,
 * `import type`, `import x = require()`, dynamic `import()`, `require()` and `typeof import()` types.
 * A file may import its own layer and the layers listed for it below, nothing else; a failure names the
 * file, the line, the import and what its layer may import.
 */
import * as fs from 'node:fs';
import { builtinModules } from 'node:module';
import * as path from 'node:path';
import * as ts from 'typescript';

const SRC = path.join(__dirname, '..', '..', 'src');

/**
 * What each layer (a folder under src/; `index` is src/index.ts, the package entry) may import besides
 * itself: a layer, or one folder of it (`dataplane/ops`). spec and config are the shared core everyone may
 * use; the rest go one way, and no two layers import each other.
 */
const ALLOWED: Record<string, readonly string[]> = {
  // the shared core: names, limits, patterns, hostname rules, where/problem types
  spec: [],
  // the DataPlaneConfig format between compiler and data plane
  config: ['spec'],
  // generated L1 classes (cdk8s import)
  imports: [],
  // what users write; renders through the L1 classes, never reaches into deploy (the synth step hooks in from
  // there); a synth-time validation may run the pure compiler on the app's JSON (the compiler never imports back)
  constructs: ['spec', 'config', 'imports', 'compiler'],
  // raw Gateway API objects in, DataPlaneConfig out: never construct instances
  compiler: ['spec', 'config'],
  // the compiled decision, shared by the data plane, explain and GatewayTester
  router: ['spec', 'config'],
  // the runtime runs the router on the config; it never sees the compiler's inputs
  dataplane: ['spec', 'config', 'router'],
  // cluster mode runs the same compiler on what it watches; its process logs and counts with the data plane's ops/
  sync: ['spec', 'config', 'compiler', 'router', 'dataplane/ops'],
  // the synth step: compiles the app and renders from its Gateway constructs (which never import it back)
  deploy: ['spec', 'config', 'compiler', 'constructs'],
  // Ingress -> Gateway API objects or constructs; --verify compares decisions with the router
  migrate: ['spec', 'config', 'compiler', 'router', 'constructs'],
  // GatewayTester compiles an app's objects and asks the router, as the data plane would
  testing: ['spec', 'config', 'compiler', 'router', 'constructs'],
  // the command line drives every layer below it
  cli: ['spec', 'config', 'compiler', 'router', 'dataplane', 'sync', 'deploy', 'migrate', 'constructs'],
  // the package entry exports the public jsii API (and loads deploy, whose synth step registers itself)
  index: ['imports', 'constructs', 'deploy', 'migrate', 'testing'],
};

/** Layers that never load the construct world (cdk8s, cdk8s-plus-28, constructs): they also run in the pod. */
const WITHOUT_CDK8S = new Set(['spec', 'config', 'compiler', 'router', 'dataplane']);
const CDK8S_PACKAGES = new Set(['cdk8s', 'cdk8s-plus-28', 'constructs']);
const NODE_BUILTINS = new Set(builtinModules);

interface Import {
  readonly file: string;
  readonly line: number;
  readonly specifier: string;
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

/** Every module a file names, with its line; a dynamic import or require of an expression is reported as `<expression>`. */
function importsOf(file: string, text = fs.readFileSync(file, 'utf8')): Import[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const out: Import[] = [];
  const add = (node: ts.Node, specifier: string) => {
    out.push({ file, line: source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1, specifier });
  };
  const named = (node: ts.Node, arg: ts.Node | undefined) => add(node, arg && ts.isStringLiteralLike(arg) ? arg.text : '<expression>');
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier) {
      named(node, node.moduleSpecifier);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      named(node, node.moduleReference.expression);
    } else if (ts.isCallExpression(node) && (node.expression.kind === ts.SyntaxKind.ImportKeyword ||
      (ts.isIdentifier(node.expression) && node.expression.text === 'require'))) {
      named(node, node.arguments[0]);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      named(node, node.argument.literal);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

/** The layer of a path under src/: its first folder (`src/router` itself included), `index` for src/index.ts. */
function layerOf(absolute: string): string | undefined {
  const rel = path.relative(SRC, absolute).split(path.sep);
  if (rel[0] === '..' || rel[0] === '') return undefined;
  return rel[0].replace(/\.[jt]s$/, '');
}

/** Why an import breaks the layer map, or undefined. */
function violation(imp: Import): string | undefined {
  const from = layerOf(imp.file)!;
  const allowed = ALLOWED[from];
  if (!allowed) return `src/${from}/ is not a layer of the map in test/house/layers.test.ts: add it there (and to DESIGN.md)`;
  if (imp.specifier === '<expression>') return 'names its module by an expression, which this check cannot follow: use a string literal';
  if (!imp.specifier.startsWith('.')) {
    const pkg = imp.specifier.startsWith('@') ? imp.specifier.split('/').slice(0, 2).join('/') : imp.specifier.split('/')[0];
    if (from === 'spec' && !NODE_BUILTINS.has(imp.specifier.replace(/^node:/, ''))) return 'spec imports nothing but Node built-ins';
    if (WITHOUT_CDK8S.has(from) && CDK8S_PACKAGES.has(pkg)) return `src/${from}/ runs without cdk8s and constructs (it is bundled into the pod or called from it)`;
    return undefined;
  }
  const target = path.resolve(path.dirname(imp.file), imp.specifier);
  const to = layerOf(target);
  if (to === undefined) return 'reaches outside src/';
  const rel = path.relative(SRC, target).split(path.sep).join('/');
  if (to === from || allowed.some((a) => rel === a || rel.startsWith(`${a}/`))) return undefined;
  return `src/${from}/ may import ${allowed.length ? allowed.join(', ') : 'nothing from other layers'}, not ${to}`;
}

const files = sourceFiles(SRC);
const imports = files.flatMap((f) => importsOf(f));

test('every import of src/ follows the layer map', () => {
  const problems = imports.flatMap((imp) => {
    const why = violation(imp);
    return why ? [`${path.relative(path.join(SRC, '..'), imp.file)}:${imp.line}: '${imp.specifier}': ${why}`] : [];
  });
  expect(problems).toEqual([]);
});

test('the map has no cycle: no layer reaches itself through the layers it may import', () => {
  const reach = (from: string, seen: Set<string>): Set<string> => {
    for (const to of (ALLOWED[from] ?? []).map((a) => a.split('/')[0])) {
      if (!seen.has(to)) reach(to, seen.add(to));
    }
    return seen;
  };
  expect(Object.keys(ALLOWED).filter((layer) => reach(layer, new Set()).has(layer))).toEqual([]);
});

// the check itself: it must see every form of import, or the test above proves nothing
describe('the layer check', () => {
  // code as if it were the file src/<layer>/probe/probe.ts (nothing is written)
  const probe = (layer: string, code: string) =>
    importsOf(path.join(SRC, layer, 'probe', 'probe.ts'), code).map((imp) => ({ specifier: imp.specifier, line: imp.line, why: violation(imp) }));

  test('reads static, type-only, re-export, require, dynamic and type-query imports, with their lines', () => {
    const found = probe('constructs', [
      "import { a } from '../../deploy/names';",
      "import type { B } from '../../deploy/options';",
      "export * from '../../deploy';",
      "import c = require('../../deploy/c');",
      "const d = require('../../deploy/d');",
      "const e = import('../../deploy/e');",
      "type F = typeof import('../../deploy/f');",
      "// import { g } from '../../deploy/g';",
      "const h = 'from \\'../../deploy/h\\'';",
    ].join('\n'));
    expect(found.map((f) => [f.line, f.specifier])).toEqual([
      [1, '../../deploy/names'], [2, '../../deploy/options'], [3, '../../deploy'], [4, '../../deploy/c'],
      [5, '../../deploy/d'], [6, '../../deploy/e'], [7, '../../deploy/f'],
    ]);
    expect(found.every((f) => f.why === 'src/constructs/ may import spec, config, imports, compiler, not deploy')).toBe(true);
  });

  test('allows a layer its own files and what the map lists, and refuses the rest', () => {
    expect(probe('dataplane', "import { a } from '../../router';\nimport { b } from '../ops/log';").map((f) => f.why)).toEqual([undefined, undefined]);
    expect(probe('sync', "import { a } from '../../dataplane/ops/log';\nimport { b } from '../../dataplane/proxy/exchange';").map((f) => f.why))
      .toEqual([undefined, 'src/sync/ may import spec, config, compiler, router, dataplane/ops, not dataplane']);
    expect(probe('compiler', "import { a } from '../../router';").map((f) => f.why)).toEqual(['src/compiler/ may import spec, config, not router']);
    expect(probe('spec', "import { a } from '../../config/dataplane-config';\nimport { b } from 'yaml';\nimport { c } from 'node:net';").map((f) => f.why))
      .toEqual(['src/spec/ may import nothing from other layers, not config', 'spec imports nothing but Node built-ins', undefined]);
    expect(probe('router', "import { a } from 'cdk8s';").map((f) => f.why)).toEqual([
      'src/router/ runs without cdk8s and constructs (it is bundled into the pod or called from it)',
    ]);
    expect(probe('cli', 'const m = require(name);').map((f) => f.why)).toEqual([
      'names its module by an expression, which this check cannot follow: use a string literal',
    ]);
  });
});
