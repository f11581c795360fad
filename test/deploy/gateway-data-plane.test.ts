import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Chart, Duration, Size, Testing } from 'cdk8s';
import * as fc from 'fast-check';
import { baseProps, kinds, mainContainer, one, podSpec, render, withoutBundleBytes } from './render';
import { DataPlaneImagePullPolicy, DataPlanePeer, DataPlaneServiceType, ExternalTrafficPolicy } from '../../src';
import { DataPlaneMountKind, DataPlaneProtocol, GatewayDataPlane } from '../../src/deploy/gateway-data-plane';

const certMount = { kind: DataPlaneMountKind.SECRET, name: 'example-com-tls', keys: ['tls.crt', 'tls.key'] };

test('the rendered objects of a two-replica HTTP/HTTPS gateway (reviewed snapshot)', () => {
  // WHEN
  const { objects } = render(baseProps({ mounts: [certMount] }));

  // THEN
  expect(kinds(objects)).toEqual([
    'ConfigMap/edge-dataplane-bundle', 'ConfigMap/edge-dataplane-config', 'ServiceAccount/edge-dataplane',
    'Deployment/edge-dataplane', 'Service/edge-dataplane', 'NetworkPolicy/edge-dataplane', 'PodDisruptionBudget/edge-dataplane',
  ]);
  expect(withoutBundleBytes(objects)).toMatchSnapshot();
});

describe('security posture', () => {
  const options = fc.record({
    replicas: fc.integer({ min: 1, max: 5 }),
    ports: fc.uniqueArray(fc.integer({ min: 1, max: 65535 }), { minLength: 0, maxLength: 6 }),
    compressConfig: fc.boolean(),
    metricsService: fc.boolean(),
    secret: fc.boolean(),
  });

  test('every rendered pod runs as non-root, read-only, unprivileged, with no capabilities and no token', () => {
    fc.assert(fc.property(options, (o) => {
      const { objects } = render(baseProps({
        ports: o.ports.map((port) => ({ port })),
        mounts: o.secret ? [certMount] : [],
        compressConfig: o.compressConfig,
        metricsService: o.metricsService,
        replicas: o.replicas,
      }));
      const pod = podSpec(objects);
      const c = mainContainer(objects);
      expect(pod.automountServiceAccountToken).toBe(false);
      expect(one(objects, 'ServiceAccount').automountServiceAccountToken).toBe(false);
      expect(pod.hostNetwork).toBe(false);
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
      expect(c.securityContext).toEqual({
        allowPrivilegeEscalation: false,
        capabilities: { drop: ['ALL'] },
        privileged: false,
        readOnlyRootFilesystem: true,
        runAsGroup: 1000,
        runAsNonRoot: true,
        runAsUser: 1000,
        seccompProfile: { type: 'RuntimeDefault' },
      });
      // no root needed: every port the process binds is unprivileged
      for (const p of c.ports) expect(p.containerPort).toBeGreaterThanOrEqual(1024);
      // every mount but the small in-memory temp dir is read-only
      for (const m of c.volumeMounts) expect(m.readOnly === true || m.mountPath === '/tmp').toBe(true);
      expect(pod.volumes.find((v: any) => v.name === 'run').emptyDir).toEqual({ medium: 'Memory', sizeLimit: '16Mi' });
    }), { numRuns: 25 });
  });
});

describe('ports', () => {
  const sockets = fc.uniqueArray(
    fc.record({ port: fc.integer({ min: 1, max: 65535 }), udp: fc.boolean() }),
    { minLength: 1, maxLength: 8, selector: (s) => `${s.port}/${s.udp}` },
  );

  test('the Service maps each listener port to the container port the process binds; the admin port stays private', () => {
    fc.assert(fc.property(sockets, fc.integer({ min: 1024, max: 65535 }), (ss, adminPort) => {
      // GIVEN
      const ports = ss.map((s) => ({ port: s.port, protocol: s.udp ? DataPlaneProtocol.UDP : DataPlaneProtocol.TCP }));

      // WHEN
      const { objects } = render(baseProps({ ports, adminPort }));

      // THEN
      const c = mainContainer(objects);
      const service = one(objects, 'Service');
      const byName = new Map<string, any>(c.ports.map((p: any) => [p.name, p]));
      expect(service.spec.ports).toHaveLength(ports.length);
      for (const sp of service.spec.ports) {
        const cp = byName.get(sp.name);
        expect(cp).toBeDefined();
        expect(sp.targetPort).toBe(cp.containerPort);
        expect(sp.protocol).toBe(cp.protocol);
        // a remapped port is passed to the data plane; an unprivileged one is bound as is
        const mapping = `${sp.port}=${cp.containerPort}`;
        expect(c.args.includes(mapping)).toBe(sp.port !== cp.containerPort);
        expect(sp.port < 1024 || sp.port === cp.containerPort).toBe(true);
      }
      expect(new Set(service.spec.ports.map((p: any) => `${p.port}/${p.protocol}`)).size).toBe(ports.length);

      const admin = byName.get('admin').containerPort;
      expect(service.spec.ports.map((p: any) => p.targetPort)).not.toContain(admin);
      expect(c.ports.filter((p: any) => p.containerPort === admin && p.protocol === 'TCP')).toHaveLength(1);
      expect(c.args[c.args.indexOf('--admin-port') + 1]).toBe(String(admin));
      if (!ss.some((s) => s.port === adminPort && !s.udp)) expect(admin).toBe(adminPort);

      // the NetworkPolicy admits exactly the listener container ports (from anyone); the admin port is not listed
      const np = one(objects, 'NetworkPolicy');
      const open = np.spec.ingress.flatMap((r: any) => r.ports.map((p: any) => `${p.port}/${p.protocol}`)).sort();
      expect(open).toEqual(service.spec.ports.map((p: any) => `${p.targetPort}/${p.protocol}`).sort());
      expect(np.spec.ingress.every((r: any) => r.from === undefined)).toBe(true);
    }), { numRuns: 40 });
  });

  test('privileged ports move to port + 8000, or the next free port when a listener holds that one', () => {
    const { objects } = render(baseProps({ ports: [{ port: 80 }, { port: 8080 }, { port: 443 }] }));
    const service = one(objects, 'Service');
    expect(service.spec.ports.map((p: any) => [p.port, p.targetPort])).toEqual([[80, 8081], [8080, 8080], [443, 8443]]);
  });

  test('readiness, liveness and startup probes ask the admin server', () => {
    const { objects } = render(baseProps());
    const c = mainContainer(objects);
    expect(c.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 9901, scheme: 'HTTP' });
    expect(c.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 9901, scheme: 'HTTP' });
    expect(c.startupProbe.httpGet).toEqual({ path: '/healthz', port: 9901, scheme: 'HTTP' });
  });

  test('an admin port below 1024 is refused (the pod has no root to bind it)', () => {
    expect(() => render(baseProps({ adminPort: 900 }))).toThrow(/GatewayDataPlane test\/dp: adminPort 900 must be an integer between 1024 and 65535 \(the pod runs without root/);
  });
});

describe('mounts', () => {
  test('certificate Secrets and CA ConfigMaps are mounted where the data plane looks for them', () => {
    // WHEN
    const { objects } = render(baseProps({
      mounts: [certMount, { kind: DataPlaneMountKind.CONFIG_MAP, name: 'client-ca', keys: ['ca.crt'] }],
    }));

    // THEN
    const pod = podSpec(objects);
    const c = mainContainer(objects);
    const mountAt = (path: string) => {
      const m = c.volumeMounts.find((x: any) => x.mountPath === path);
      return pod.volumes.find((v: any) => v.name === m?.name);
    };
    expect(mountAt('/etc/cdk8s-gateway/secrets/gateway-system/example-com-tls').secret).toEqual({
      secretName: 'example-com-tls',
      optional: true,
      defaultMode: 0o440,
      items: [{ key: 'tls.crt', path: 'tls.crt' }, { key: 'tls.key', path: 'tls.key' }],
    });
    expect(mountAt('/etc/cdk8s-gateway/configmaps/gateway-system/client-ca').configMap).toMatchObject({
      name: 'client-ca', optional: true, items: [{ key: 'ca.crt', path: 'ca.crt' }],
    });
    expect(c.args).toEqual(expect.arrayContaining(['--secrets-dir', '/etc/cdk8s-gateway/secrets', '--configmaps-dir', '/etc/cdk8s-gateway/configmaps']));
  });

  test('an object of another namespace is refused unless its content is given, which is then shipped in a copy', () => {
    // GIVEN
    const foreign = { kind: DataPlaneMountKind.CONFIG_MAP, name: 'ca', namespace: 'shop', keys: ['ca.crt'] };

    // THEN
    expect(() => render(baseProps({ mounts: [foreign] }))).toThrow(
      /mounts\[0\]\.namespace "shop" is not the Gateway's namespace "gateway-system": a pod cannot mount a ConfigMap of another namespace/);
    const { objects } = render(baseProps({ mounts: [{ ...foreign, content: { 'ca.crt': 'PEM' } }] }));
    expect(one(objects, 'ConfigMap', 'edge-dataplane-cm-shop-ca')).toMatchObject({ metadata: { namespace: 'gateway-system' }, data: { 'ca.crt': 'PEM' } });
    expect(mainContainer(objects).volumeMounts.map((m: any) => m.mountPath)).toContain('/etc/cdk8s-gateway/configmaps/shop/ca');
  });

  test('no Secret to read: no secrets directory is passed', () => {
    const { objects } = render(baseProps());
    expect(mainContainer(objects).args).not.toContain('--secrets-dir');
  });

  test('a config that refers to a Secret of another namespace is refused, saying what to do', () => {
    // GIVEN
    const config = JSON.stringify({
      apiVersion: 'dataplane.cdk8s-gateway.io/v1alpha1',
      kind: 'DataPlaneConfig',
      gateway: { namespace: 'gateway-system', name: 'edge' },
      ports: [{
        port: 443,
        transport: 'TCP',
        kind: 'TLS',
        listeners: [{
          id: 'websecure',
          name: 'websecure',
          protocol: 'HTTPS',
          parent: { kind: 'Gateway', namespace: 'gateway-system', name: 'edge' },
          tls: { mode: 'Terminate', certificates: [{ namespace: 'shop', name: 'shop-tls' }] },
          httpRoutes: [],
        }],
      }],
      httpRules: [],
      backends: {},
      options: { clusterDomain: 'cluster.local' },
    });

    // WHEN
    const synth = () => GatewayDataPlane.fromConfig(new Chart(Testing.app(), 'c'), 'dp', config);

    // THEN
    expect(synth).toThrow('Gateway gateway-system/edge: listener "websecure" certificateRefs refers to Secret shop/shop-tls, ' +
      'but the data-plane pods run in namespace "gateway-system" and a pod can only mount Secrets of its own namespace; ' +
      'create the Secret in "gateway-system"');
  });
});

describe('lifecycle', () => {
  test('a terminating pod keeps serving for the preStop delay, then drains within the grace period', () => {
    const { objects } = render(baseProps({ preStopDelay: Duration.seconds(7), drainTimeout: Duration.seconds(40) }));
    const c = mainContainer(objects);
    expect(c.lifecycle.preStop.exec.command).toEqual(['node', '-e', 'setTimeout(() => {}, 7000)']);
    expect(c.args.slice(c.args.indexOf('--drain-timeout'), c.args.indexOf('--drain-timeout') + 2)).toEqual(['--drain-timeout', '40']);
    expect(podSpec(objects).terminationGracePeriodSeconds).toBe(52);
  });

  test('a new bundle changes the pod template (rollout); a new config does not (hot reload)', () => {
    const annotation = (o: any[]) => one(o, 'Deployment').spec.template;
    const a = annotation(render(baseProps()).objects);
    const newConfig = annotation(render(baseProps({ config: '{"changed":true}' })).objects);
    const newBundle = annotation(render(baseProps({ bundle: 'console.log("v2")' })).objects);
    expect(newConfig).toEqual(a);
    expect(newBundle.metadata.annotations['cdk8s-gateway.io/bundle-sha256']).not.toBe(a.metadata.annotations['cdk8s-gateway.io/bundle-sha256']);
  });

  test('the Deployment selector is made of stable labels, not of the construct path', () => {
    const { objects } = render(baseProps());
    const selector = { 'app.kubernetes.io/component': 'dataplane', 'gateway.networking.k8s.io/gateway-name': 'edge' };
    expect(one(objects, 'Deployment').spec.selector).toEqual({ matchLabels: selector });
    expect(one(objects, 'Service').spec.selector).toEqual(selector);
    expect(one(objects, 'NetworkPolicy').spec.podSelector).toEqual({ matchLabels: selector });
  });
});

describe('sizing and exposure', () => {
  test('one replica: no PodDisruptionBudget (it could never be satisfied during a drain)', () => {
    const { objects } = render(baseProps({ replicas: 1 }));
    expect(objects.some((o) => o.kind === 'PodDisruptionBudget')).toBe(false);
    expect(one(objects, 'Deployment').spec.replicas).toBe(1);
  });

  test('autoscaling: an HPA on CPU owns the replica count', () => {
    const { objects } = render(baseProps({ autoscaling: { minReplicas: 2, maxReplicas: 6, targetCpuUtilizationPercent: 60 } }));
    const hpa = one(objects, 'HorizontalPodAutoscaler');
    expect(hpa.spec).toMatchObject({
      minReplicas: 2,
      maxReplicas: 6,
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'edge-dataplane' },
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } } }],
    });
    expect(one(objects, 'Deployment').spec.replicas).toBeUndefined();
    expect(one(objects, 'PodDisruptionBudget').spec.maxUnavailable).toBe(1);
  });

  test('Service type, annotations, loadBalancerClass and externalTrafficPolicy are passed through', () => {
    const { objects } = render(baseProps({
      serviceType: DataPlaneServiceType.LOAD_BALANCER,
      serviceAnnotations: { 'service.beta.kubernetes.io/aws-load-balancer-type': 'external' },
      loadBalancerClass: 'service.k8s.aws/nlb',
      externalTrafficPolicy: ExternalTrafficPolicy.LOCAL,
    }));
    const s = one(objects, 'Service');
    expect(s.metadata.annotations).toEqual({ 'service.beta.kubernetes.io/aws-load-balancer-type': 'external' });
    expect(s.spec).toMatchObject({ type: 'LoadBalancer', loadBalancerClass: 'service.k8s.aws/nlb', externalTrafficPolicy: 'Local' });
  });

  test('image, pull policy and resources are configurable; the heap follows the memory limit', () => {
    const { objects } = render(baseProps({
      image: 'registry.example.com/node:24.3-alpine',
      imagePullPolicy: DataPlaneImagePullPolicy.ALWAYS,
      resources: { cpuRequestMillis: 500, memoryRequest: Size.gibibytes(1), memoryLimit: Size.gibibytes(2) },
    }));
    const c = mainContainer(objects);
    expect(c).toMatchObject({ image: 'registry.example.com/node:24.3-alpine', imagePullPolicy: 'Always' });
    expect(c.resources).toEqual({ limits: { memory: '2048Mi' }, requests: { cpu: '500m', memory: '1024Mi' } });
    expect(c.command).toEqual(['node', '--max-old-space-size=1536', '--max-semi-space-size=16', '/opt/cdk8s-gateway/bundle/boot.js']);
  });

  test('a memory limit under 512 MiB keeps the young generation at 4 MiB semi-spaces', () => {
    const { objects } = render(baseProps({ resources: { memoryLimit: Size.mebibytes(256) } }));
    expect(mainContainer(objects).command).toEqual(['node', '--max-old-space-size=192', '--max-semi-space-size=4', '/opt/cdk8s-gateway/bundle/boot.js']);
  });

  test('the benchmarks run the data plane with the Node options of a pod with the default memory limit', () => {
    // bench:edge and bench:reliability measure ours as the pods run it; a change of the pod's heap flags must reach them
    const podFlags = mainContainer(render(baseProps()).objects).command.filter((a: string) => a.startsWith('--'));
    const root = join(__dirname, '..', '..');
    const edge = fs.readFileSync(join(root, 'bench', 'edge', 'setup.mjs'), 'utf8');
    const reliability = fs.readFileSync(join(root, 'bench', 'reliability', 'run.mjs'), 'utf8');
    expect(JSON.parse(/POD_NODE_FLAGS = (\[[^\]]*\])/.exec(edge)![1].replace(/'/g, '"'))).toEqual(podFlags);
    expect(/opt\('node-flags', '([^']*)'\)/.exec(reliability)![1].split(' ')).toEqual(podFlags);
  });

  test('the metrics Service exposes only the admin port, inside the cluster, and peers can be let in', () => {
    // GIVEN
    const app = Testing.app();
    const chart = new Chart(app, 'c');
    const prometheus = DataPlanePeer.pods({ app: 'prometheus' }, { namespaces: ['monitoring'] });

    // WHEN
    new GatewayDataPlane(chart, 'dp', baseProps({ metricsService: true, adminPeers: [prometheus] }));
    const objects = Testing.synth(chart);

    // THEN
    const metrics = one(objects, 'Service', 'edge-dataplane-metrics');
    expect(metrics.spec).toMatchObject({ type: 'ClusterIP', ports: [{ name: 'metrics', port: 9901, targetPort: 9901 }] });
    expect(metrics.metadata.annotations).toMatchObject({ 'prometheus.io/scrape': 'true', 'prometheus.io/port': '9901' });
    const adminRule = one(objects, 'NetworkPolicy').spec.ingress.find((r: any) => r.ports[0].port === 9901);
    expect(adminRule.from).toEqual([{
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } },
      podSelector: { matchLabels: { app: 'prometheus' } },
    }]);
  });

  test('listener peers replace "anyone" on the listener ports', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'c');
    const office = DataPlanePeer.ipBlock('203.0.113.0/24');
    new GatewayDataPlane(chart, 'dp', baseProps({ listenerPeers: [office] }));
    const np = one(Testing.synth(chart), 'NetworkPolicy');
    expect(np.spec.ingress).toEqual([{ from: [{ ipBlock: { cidr: '203.0.113.0/24' } }], ports: [{ port: 8080, protocol: 'TCP' }, { port: 8443, protocol: 'TCP' }] }]);
  });

  test('no NetworkPolicy when turned off', () => {
    expect(render(baseProps({ networkPolicy: false })).objects.some((o) => o.kind === 'NetworkPolicy')).toBe(false);
  });

  test('the Gateway\'s infrastructure labels and annotations reach every object and the pods', () => {
    const { objects } = render(baseProps({ infrastructureLabels: { team: 'platform' }, infrastructureAnnotations: { 'example.com/owner': 'sre' } }));
    for (const o of objects) {
      expect(o.metadata.labels.team).toBe('platform');
      expect(o.metadata.annotations['example.com/owner']).toBe('sre');
    }
    expect(one(objects, 'Deployment').spec.template.metadata.labels.team).toBe('platform');
  });

  test('object names stay valid DNS labels for long and dotted Gateway names, and stay distinct', () => {
    fc.assert(fc.property(fc.stringMatching(/^[a-z0-9]([a-z0-9.-]{0,120}[a-z0-9])?$/), (name) => {
      fc.pre(!/\.\.|\.-|-\./.test(name));
      const { objects } = render(baseProps({ gatewayName: name }));
      for (const o of objects) expect(o.metadata.name).toMatch(/^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/);
      const label = one(objects, 'Deployment').spec.selector.matchLabels['gateway.networking.k8s.io/gateway-name'];
      expect(label.length).toBeLessThanOrEqual(63);
    }), { numRuns: 30 });
    const a = one(render(baseProps({ gatewayName: 'a.b' })).objects, 'Deployment').metadata.name;
    const b = one(render(baseProps({ gatewayName: 'a-b' })).objects, 'Deployment').metadata.name;
    expect(a).not.toBe(b);
  });
});

describe('config size', () => {
  const big = (bytes: number, compressible: boolean) => {
    const filler = compressible ? 'a'.repeat(bytes) : randomBytes(Math.ceil(bytes * 0.75)).toString('base64');
    return JSON.stringify({ apiVersion: 'dataplane.cdk8s-gateway.io/v1alpha1', filler });
  };

  test('the bundle and a small config fit a ConfigMap; sizes are printed', () => {
    const { dataPlane, objects } = render(baseProps());
    const bundle = one(objects, 'ConfigMap', 'edge-dataplane-bundle');
    process.stdout.write(`data-plane bundle ConfigMap: ${dataPlane.sizes.bundle} bytes ` +
      `(boot.js ${bundle.data['boot.js'].length} + dataplane.js.gz ${Buffer.from(bundle.binaryData['dataplane.js.gz'], 'base64').length}); ` +
      `limit ${1024 * 1024}\n`);
    expect(dataPlane.sizes.bundle).toBeLessThan(1024 * 1024);
    expect(dataPlane.sizes.bundle).toBeLessThan(256 * 1024); // still fits client-side kubectl apply
  });

  test('a config over 1 MiB is a synth error that names the ConfigMap and the fix', () => {
    expect(() => render(baseProps({ config: big(1100 * 1024, true) }))).toThrow(
      /Gateway gateway-system\/edge: the data-plane config ConfigMap "edge-dataplane-config" would hold 1\.07 MiB \(\d+ bytes\), over the 1\.00 MiB \(1048576 bytes\) Kubernetes allows in a ConfigMap; set the data plane's compressConfig: true/);
  });

  test('compressed, the same config fits, and the pod gets it back byte for byte', () => {
    const config = big(1100 * 1024, true);
    const { objects, dataPlane } = render(baseProps({ config, compressConfig: true }));
    const cm = one(objects, 'ConfigMap', 'edge-dataplane-config');
    expect(cm.data).toBeUndefined();
    expect(gunzipSync(Buffer.from(cm.binaryData['config.json.gz'], 'base64')).toString()).toBe(config);
    expect(mainContainer(objects).args.slice(0, 2)).toEqual(['--inflate', '/etc/cdk8s-gateway/config/config.json.gz=/tmp/cdk8s-gateway/config.json']);
    process.stdout.write(`compressed config ConfigMap: ${dataPlane.sizes.config} bytes for a ${config.length}-byte config\n`);
  });

  test('a config still over 1 MiB once compressed is refused, saying so', () => {
    expect(() => render(baseProps({ config: big(1500 * 1024, false), compressConfig: true }))).toThrow(
      /the data-plane config ConfigMap "edge-dataplane-config" would hold .* MiB .* even gzip-compressed \(1\.\d+ MiB .* uncompressed\).*spread the routes over more Gateways/);
  });

  test('a config over 256 KiB warns that client-side kubectl apply will refuse it', () => {
    const { dataPlane } = render(baseProps({ config: big(300 * 1024, true) }));
    const warnings = dataPlane.node.metadata.filter((m) => m.type === 'cdk8s-gateway:warning').map((m) => m.data);
    expect(warnings).toEqual([expect.stringMatching(/config ConfigMap "edge-dataplane-config" is 300\.\d KiB .*kubectl apply --server-side.* or set compressConfig: true/)]);
  });
});

test('synth output does not depend on the working directory', () => {
  const before = JSON.stringify(render(baseProps({ mounts: [certMount] })).objects);
  const cwd = process.cwd();
  try {
    process.chdir(os.tmpdir());
    expect(JSON.stringify(render(baseProps({ mounts: [certMount] })).objects)).toBe(before);
  } finally {
    process.chdir(cwd);
  }
});

describe('settings compiled into the config', () => {
  const compiled = JSON.stringify({
    apiVersion: 'dataplane.cdk8s-gateway.io/v1alpha1',
    kind: 'DataPlaneConfig',
    gateway: { namespace: 'gateway-system', name: 'edge' },
    ports: [],
    httpRules: [],
    backends: {},
    options: { clusterDomain: 'corp.internal', clientCertificateHeader: 'x-client-cert' },
  });

  test('a clusterDomain that differs from the compiled config is refused, not silently ignored', () => {
    // WHEN
    const synth = () => GatewayDataPlane.fromConfig(new Chart(Testing.app(), 'c'), 'dp', compiled, { clusterDomain: 'cluster.local' });

    // THEN
    expect(synth).toThrow('GatewayDataPlane c/dp: clusterDomain "cluster.local" differs from the compiled config\'s ("corp.internal"): ' +
      'the data plane reads it from its config, which the compiler takes from the Gateway\'s parameters ConfigMap ' +
      '(spec.infrastructure.parametersRef); set dataPlane.clusterDomain on the Gateway and compile again, or leave it out here');
  });

  test('settings that agree with the compiled config (header names in any case) are accepted', () => {
    // WHEN
    const dataPlane = GatewayDataPlane.fromConfig(new Chart(Testing.app(), 'c'), 'dp', compiled,
      { clusterDomain: 'corp.internal', clientCertificateHeader: 'X-Client-Cert', replicas: 1 });

    // THEN
    expect(dataPlane.deployment.toJson().spec.replicas).toBe(1);
  });
});
