/**
 * The `cdk8s-gateway` command. Bundled by esbuild into assets/cli.js (see scripts/bundle.mjs).
 * Each subcommand lives in its own file and exports `run(argv): Promise<number>` (the exit code).
 */

import * as fs from 'node:fs';
import * as path from 'node:path';
import { packageRoot } from '../deploy/assets';

type Command = {
  readonly summary: string;
  readonly load: () => Promise<{ run(argv: string[]): Promise<number> }>;
  /**
   * A server: the process exits as soon as the command returns (after its drain), as the pod's entry point does,
   * rather than when the last handle is gone (a client that never closes its connection must not keep it alive).
   */
  readonly exitWhenDone?: boolean;
};

const commands: Record<string, Command> = {
  // subcommands register here: serve, compile, explain, bundle, migrate, echo
  compile: { summary: 'compile manifests into the data-plane config and status conditions', load: () => import('./compile.js') },
  explain: { summary: 'show where a request goes (listener, route, rule, filters, backends) and why', load: () => import('./explain.js') },
  serve: { summary: 'run a Gateway from manifests on this machine with the real data plane', load: () => import('./serve.js'), exitWhenDone: true },
  bundle: { summary: 'write the data-plane objects (Deployment, Service, ConfigMaps...) for Gateway API YAML', load: () => import('./bundle.js') },
  migrate: { summary: 'translate Ingresses (and ingress-nginx annotations) into Gateway API objects or a cdk8s program', load: () => import('./migrate.js') },
  status: { summary: 'print the status the cluster-mode data plane wrote, and the routes not attached and why', load: () => import('./status.js') },
  echo: { summary: 'a backend that answers with JSON describing each request (HTTP/1.1, h2c, TLS, WebSocket)', load: () => import('./echo.js') },
};

function usage(): string {
  const lines = ['usage: cdk8s-gateway <command> [options]', '', 'commands:'];
  for (const [name, c] of Object.entries(commands)) lines.push(`  ${name.padEnd(10)} ${c.summary}`);
  lines.push('', 'Run `cdk8s-gateway <command> --help` for the options of a command; `cdk8s-gateway --version` prints the version.');
  return lines.join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage() + '\n');
    return name ? 0 : 2;
  }
  if (name === '--version' || name === '-v' || name === 'version') {
    process.stdout.write(`${version()}\n`);
    return 0;
  }
  const command = commands[name];
  if (!command) {
    process.stderr.write(`cdk8s-gateway: unknown command "${name}"\n\n${usage()}\n`);
    return 2;
  }
  const code = await (await command.load()).run(rest);
  if (command.exitWhenDone) process.exit(code);
  return code;
}

/** `cdk8s-gateway <version> (node <version>)`: the installed package's version and the Node it runs on. */
function version(): string {
  const pj = JSON.parse(fs.readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as { version?: string };
  return `cdk8s-gateway ${pj.version ?? 'unknown'} (node ${process.version})`;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`cdk8s-gateway: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
