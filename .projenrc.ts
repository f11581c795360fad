import { cdk8s, javascript } from 'projen';

const project = new cdk8s.ConstructLibraryCdk8s({
  name: 'cdk8s-gateway',
  description:
    'Kubernetes Gateway API as typed cdk8s constructs with team-scoped factories, plus a Node.js data plane that `cdk8s synth` packages into a complete running gateway.',
  author: 'cdk8s-gateway engineers',
  authorAddress: 'eng@cdk8s-gateway.dev',
  repositoryUrl: 'https://github.com/cdk8s-gateway/cdk8s-gateway.git',
  defaultReleaseBranch: 'main',
  packageManager: javascript.NodePackageManager.NPM,
  projenrcTs: true,
  // Construct Hub finds cdk8s libraries by these keywords (and by the cdk8s peer dependency)
  keywords: ['cdk8s', 'constructs', 'cdk8s-plus', 'kubernetes', 'gateway-api', 'httproute', 'grpcroute', 'ingress', 'proxy', 'load-balancer'],
  license: 'Apache-2.0',
  homepage: 'https://github.com/cdk8s-gateway/cdk8s-gateway',
  // 0.x: the API may still change between minor versions (Construct Hub shows the badge)
  stability: 'experimental',

  cdk8sVersion: '2.70.106',
  constructsVersion: '10.8.1',
  jsiiVersion: '~6.0.0',
  minNodeVersion: '20.0.0',

  // No workflows we cannot run: CI is .ci/run on a clean clone.
  github: false,
  release: false,
  buildWorkflow: false,
  pullRequestTemplate: false,
  depsUpgrade: false,

  peerDeps: ['cdk8s-plus-28@^2.5.6'],
  devDeps: [
    '@types/node@^20',
    'cdk8s-cli@^2.207.0', // `cdk8s import` for the L1 classes in src/imports/
    'esbuild@^0.28.0', // bundles the data plane and the CLI into assets/
    'yaml@^2.9.0',
    'ajv@^8.20.0',
    'ajv-formats@^3.0.1',
    '@marcbachmann/cel-js@^8.0.0',
    'fast-check@^4',
    '@grpc/grpc-js@^1.14.0',
    '@grpc/proto-loader@^0.8.0',
    'ws@^8.18.0',
    '@types/ws@^8',
    'node-forge@^1.3.1',
    '@types/node-forge@^1',
    'undici@^7',
    // cluster mode (src/sync): KubeConfig loading and authentication only, bundled by esbuild into assets/sync.js
    '@kubernetes/client-node@^1.4.0',
    'prom-client@^15.1.3',
    // peers measured side by side in bench/
    'fastify@^5',
    '@fastify/http-proxy@^11',
    'http-proxy@^1.18.1',
    '@types/http-proxy@^1',
  ],

  jestOptions: {
    updateSnapshot: javascript.UpdateSnapshot.NEVER,
    jestConfig: {
      // coverage is not a goal in itself here, and its report buried the test output in CI
      collectCoverage: false,
      // @marcbachmann/cel-js (the CEL evaluator of test/crd-validation) ships ESM only: compile it to CommonJS for jest
      transform: {
        '^.+/node_modules/@marcbachmann/cel-js/.+\\.js$': new javascript.Transform('ts-jest', {
          tsconfig: { allowJs: true, module: 'commonjs', target: 'es2022', esModuleInterop: true },
        }),
      },
      transformIgnorePatterns: ['/node_modules/(?!@marcbachmann/cel-js/)'],
      testTimeout: 30_000,
      // e2e tests start real processes; keep them from starving each other on 2 cores
      maxWorkers: 2,
      // installs the pods' Node 24 into .cache/ once (the data-plane e2e tests run on it)
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      // .cache/example-apps/ holds copies of examples/cdk8s-app* (.ci/example-apps.mjs): not modules of this repo
      modulePathIgnorePatterns: ['<rootDir>/.cache/'],
    },
  },
  eslintOptions: {
    dirs: ['src'],
    devdirs: ['test', 'bench', 'scripts', 'examples', 'projenrc', '.projenrc.ts'],
    commandOptions: { fix: false },
    ignorePatterns: ['examples/cdk8s-app*/**', 'src/imports/**', 'assets/**', '*.js', '*.d.ts', 'node_modules/', 'lib/', 'coverage', 'test-reports/'],
  },
  tsconfig: {
    // the published lib/ carries no sources: inline source maps with inlined sources doubled every .js file
    compilerOptions: { inlineSourceMap: false, inlineSources: false },
  },
  tsconfigDev: {
    compilerOptions: {},
    include: ['bench/**/*.ts', 'scripts/**/*.ts', 'examples/**/*.ts'],
    // a user's app: it imports the installed package by name (built from the tarball by .ci/example-apps.mjs)
    exclude: ['examples/cdk8s-app*'],
  },
  gitignore: ['examples/cdk8s-app*/node_modules/', '/assets/', '/.cache/', '/bench/results/tmp/', 'examples/*/dist/', 'examples/*/*/dist/', '/test-output/'],
  npmignoreEnabled: true,
  // The tarball carries what users load: lib/ (the construct API and the synth step), assets/cli.js (the bundled
  // `cdk8s-gateway` command), assets/boot.js, assets/dataplane.js.gz and assets/sync.js.gz (what the pods run, and
  // `serve --kubeconfig` runs through boot.js as a pod does). lib/dataplane/, lib/cli/ and lib/sync/ are only the
  // sources of those bundles, so they stay out; so do the unzipped bundles and API.md (Construct Hub renders the
  // reference from .jsii; the README links the repository's API.md).
  npmIgnoreOptions: {
    ignorePatterns: ['/bench/', '/examples/', '/scripts/', '/.ci/', '/.cache/', '/docs/', '/test-output/', '!/assets/',
      '/assets/dataplane.js', '/assets/sync.js', '/API.md', '*.tsbuildinfo', '*.map'],
  },
  bin: { 'cdk8s-gateway': 'bin/cdk8s-gateway' },
});

// API.md documents this library's own API; the generated L1 classes (the `k8s` submodule, `cdk8s import` of the
// Gateway API CRDs) get their own reference, introduced by src/imports/gateway.networking.k8s.io.README.md
project.tasks.tryFind('docgen')!.reset('jsii-docgen -o API.md -s root');
project.tasks.tryFind('docgen')!.exec('jsii-docgen --readme -o docs/api/k8s.md -s k8s');

// esbuild bundles: assets/dataplane.js (what the pod runs) and assets/cli.js (the `cdk8s-gateway` command).
const bundle = project.addTask('bundle', {
  description: 'Bundle the data plane and the CLI with esbuild into assets/',
  exec: 'node scripts/bundle.mjs',
});
project.preCompileTask.spawn(bundle);
// `npm test` on a fresh clone must not depend on a previous build
project.testTask.prependSpawn(bundle);

// `npm run demo`: the quickstart example running locally from its synthesized YAML (scripts/demo.mjs)
project.addTask('demo', {
  description: 'Synthesize examples/quickstart and run it on this machine with echo backends; prints curl commands',
  exec: 'node scripts/demo.mjs',
});

// bench/http: this data plane vs nginx, @fastify/http-proxy and http-proxy on one core each (installs wrk and nginx)
project.addTask('bench:http', {
  description: 'Benchmark HTTP/1.1 proxying against nginx and Node peers; writes bench/results/http.json and http.svg',
  exec: 'node bench/http/run.mjs',
});

// bench/l4: TCP throughput and connection rate vs nginx stream and direct; gRPC unary calls vs direct (installs wrk, nginx's stream module, h2load)
project.addTask('bench:l4', {
  description: 'Benchmark TCPRoute proxying against nginx stream and direct, and GRPCRoute unary calls against direct; writes bench/results/l4.json and l4.svg',
  exec: 'node bench/l4/run.mjs',
});

// bench/edge: TLS termination (HTTPS/1.1, handshakes, resumption), HTTP/2 and gRPC vs nginx and HAProxy (installs wrk, nginx, haproxy, h2load)
project.addTask('bench:edge', {
  description: 'Benchmark TLS termination, HTTP/2 and gRPC against nginx and HAProxy on one core each; writes bench/results/edge.json and edge.svg',
  exec: 'node bench/edge/run.mjs',
});

// bench/router: the compiled router vs a linear scan at 10/1,000/10,000 routes, and compile time (issue 3 targets)
project.addTask('bench:router', {
  description: 'Benchmark the compiled router against a linear scan (10/1,000/10,000 routes over 100/5,000 hostnames) and the compile time',
  exec:
    'esbuild bench/router/router-bench.ts --bundle --platform=node --log-level=warning --outfile=.cache/bench/router-bench.js' +
    ' && node bench/router/run.mjs',
});

// bench/sync: cluster mode at 10,000 routes / 500 namespaces / 50,000 endpoints on the stand-in API server (issue 14)
project.addTask('bench:sync', {
  description: 'Benchmark cluster mode: initial sync, sync RSS, change-to-served delay of routes and endpoints, data-plane CPU per endpoint churn event',
  exec:
    'node scripts/bundle.mjs && esbuild bench/sync/sync-bench.ts --bundle --platform=node --log-level=warning --outfile=.cache/bench/sync/sync-bench.js' +
    ' && node bench/sync/run.mjs',
});

// bench/reliability: slow clients, floods, backend faults, churn (and --soak <minutes>) against the data plane (issue 17)
project.addTask('bench:reliability', {
  description: 'Reliability suite: timeouts on every port kind, HTTP/2 floods with the fairness figure, backend faults, memory under churn; add -- --soak 30 for the soak',
  exec:
    'esbuild bench/reliability/config.ts --bundle --platform=node --log-level=warning --outfile=.cache/bench/reliability-config.js' +
    ' && node bench/reliability/run.mjs',
  receiveArgs: true,
});

project.addTask('import', {
  description: 'Regenerate the L1 classes in src/imports/ from the Gateway API CRDs (descriptions stripped)',
  exec: 'node scripts/import-gateway-api.mjs',
});

// after projen's own `!/lib/**/*.js` (a later pattern wins): the bundles' sources are not loaded from the package
project.npmignore?.exclude('/lib/dataplane/', '/lib/cli/', '/lib/sync/');

project.package.addField('engines', { node: '>= 20.0.0' });

project.synth();
