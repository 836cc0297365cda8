// Every YAML and PromQL example in the README and the docs pages, checked against what it refers to: a ServiceMonitor
// or scrape config must find the Service deploy/ renders (its namespace, labels and port names), a kustomize patch
// must land on the object it names, a probe must use the container's port, a query must name metrics that exist.
// An example copied into a cluster should work; one of a kind this test does not know fails it, so it gets a check.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { Prometheus, ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import { parser } from '@prometheus-io/lezer-promql';
import { expect } from 'chai';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { auditFlags, auditMain } from '../../src/cli/audit.ts';
import { parseArgs, serveFlags } from '../../src/cli/flags.ts';
import { sourceArgs } from '../../src/cli/source-flags.ts';
import { ALL_FAMILIES } from '../../src/exposition/families/index.ts';
import { parseWebConfig } from '../../src/http/web-config-file.ts';
import { docPages, fences, repoRoot } from '../helpers/markdown.ts';
import { runMain } from '../helpers/run.ts';

const run = promisify(execFile);

interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  // biome-ignore lint/suspicious/noExplicitAny: rendered manifests are read field by field below
  spec?: any;
  [field: string]: unknown;
}

interface Service extends KubeObject {
  spec: { ports: { name: string; port: number }[] };
}

interface Example {
  /** `docs/security.md:75`: where a reader finds it. */
  where: string;
  page: string;
  line: number;
  body: string;
  docs: unknown[];
}

/** The YAML fences of every page, plus the example files the pages link for copying. */
function yamlExamples(): Example[] {
  const out: Example[] = [];
  const add = (page: string, line: number, body: string) =>
    out.push({
      where: `${page}:${line}`,
      page,
      line,
      body,
      docs: parseAllDocuments(body).map((d) => d.toJS()),
    });
  for (const page of docPages())
    for (const f of fences(page.text))
      if (f.lang === 'yaml' || f.lang === 'yml') add(page.path, f.line, f.body);
  for (const file of ['deploy/examples/prometheus-scrape.yaml'])
    add(file, 1, readFileSync(join(repoRoot, file), 'utf8'));
  return out;
}

const promqlExamples = docPages().flatMap((page) =>
  fences(page.text)
    .filter((f) => f.lang === 'promql')
    .map((f) => ({ where: `${page.path}:${f.line}`, body: f.body })),
);

type Kind =
  | 'Kubernetes manifest'
  | 'Prometheus scrape config'
  | 'kustomize patches'
  | 'kustomization'
  | 'web config'
  | 'container probes'
  | 'alerting rules'
  | 'Alertmanager config'
  | 'GitHub Actions workflow';

const PROBES = ['startupProbe', 'livenessProbe', 'readinessProbe'];

function kindOf(example: Example): Kind | undefined {
  const docs = example.docs as Record<string, unknown>[];
  const top = docs[0];
  if (
    docs.length > 0 &&
    docs.every((d) => d && typeof d.apiVersion === 'string' && typeof d.kind === 'string')
  )
    return 'Kubernetes manifest';
  if (docs.length !== 1 || !top) return undefined;
  if (Array.isArray(top)) return top.every((r) => r?.alert && r?.expr) ? 'alerting rules' : undefined;
  const keys = Object.keys(top);
  if ('scrape_configs' in top) return 'Prometheus scrape config';
  if ('resources' in top || 'images' in top) return 'kustomization';
  if (keys.length === 1 && 'patches' in top) return 'kustomize patches';
  if ('tls_server_config' in top || 'basic_auth_users' in top) return 'web config';
  if (keys.length > 0 && keys.every((k) => PROBES.includes(k))) return 'container probes';
  if ('route' in top) return 'Alertmanager config';
  if ('jobs' in top) return 'GitHub Actions workflow';
  return undefined;
}

async function kustomize(dir: string): Promise<KubeObject[]> {
  const { stdout } = await run('kubectl', ['kustomize', dir], { maxBuffer: 64 * 1024 * 1024 });
  return parseAllDocuments(stdout)
    .map((d) => d.toJS() as KubeObject | null)
    .filter((o): o is KubeObject => o !== null);
}

/** Renders a kustomization of the example's own, written next to nothing: paths into deploy/ are made relative. */
async function kustomizeWith(kustomization: Record<string, unknown>): Promise<KubeObject[]> {
  const dir = await mkdtemp(join(tmpdir(), 'netpol-docs-'));
  try {
    const fromRepo = (path: string) => relative(dir, join(repoRoot, path));
    const resources = (
      (kustomization.resources as string[] | undefined) ?? ['deploy/overlays/prometheus-operator']
    )
      .map(localResource)
      .map(fromRepo);
    await writeFile(
      join(dir, 'kustomization.yaml'),
      stringify({
        apiVersion: 'kustomize.config.k8s.io/v1beta1',
        kind: 'Kustomization',
        ...kustomization,
        resources,
      }),
    );
    return await kustomize(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** This repository's remote kustomize URL (`https://github.com/ORG/REPO//deploy/base?ref=v1`) as its local folder. */
function localResource(resource: string): string {
  const remote = /^https:\/\/github\.com\/netpol-exporter\/netpol-exporter\/\/([^?]+)(\?.*)?$/.exec(resource);
  if (remote) return remote[1] ?? '';
  expect(resource, 'an example resource is this repository, remote or local').to.match(/^deploy\//);
  return resource;
}

/** A JSON pointer (`/spec/groups/1/rules/0/for`) into an object. */
function at(obj: unknown, pointer: string): unknown {
  return pointer
    .split('/')
    .slice(1)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], obj);
}

const byKind = (objects: KubeObject[], kind: string, name?: string): KubeObject[] =>
  objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));

function theOne(objects: KubeObject[], kind: string, name?: string): KubeObject {
  const found = byKind(objects, kind, name);
  expect(found, `exactly one ${kind}${name ? ` ${name}` : ''} in deploy/`).to.have.length(1);
  return found[0] as KubeObject;
}

const contains = (labels: Record<string, string> | undefined, selector: Record<string, string> | undefined) =>
  Object.entries(selector ?? {}).every(([k, v]) => labels?.[k] === v);

/** Prometheus' kubernetes_sd meta label for a Kubernetes label key. */
const metaLabel = (key: string) => key.replace(/[^a-zA-Z0-9_]/g, '_');

/** A relabel `regex` matches the whole value, as Prometheus anchors it. */
const fullMatch = (regex: string | undefined, value: string) =>
  new RegExp(`^(?:${regex ?? '(.*)'})$`).test(value);

const JOB = 'netpol-exporter';

function checkServiceMonitor(sm: KubeObject, service: Service): void {
  new ServiceMonitor(sm as never).validate();
  const ns = sm.metadata.namespace;
  expect(ns, 'a ServiceMonitor example names its namespace').to.be.a('string');
  const namespaces: string[] = sm.spec.namespaceSelector?.matchNames ?? [ns];
  expect(namespaces, 'it looks in the namespace of the Service').to.include(service.metadata.namespace);
  expect(
    contains(service.metadata.labels, sm.spec.selector?.matchLabels),
    `its selector ${JSON.stringify(sm.spec.selector?.matchLabels)} matches the Service's labels ${JSON.stringify(service.metadata.labels)}`,
  ).to.equal(true);
  const job = sm.spec.jobLabel ? service.metadata.labels?.[sm.spec.jobLabel] : service.metadata.name;
  expect(job, 'the job the alerts expect').to.equal(JOB);
  const ports = service.spec.ports.map((p) => p.name);
  for (const endpoint of sm.spec.endpoints as Record<string, unknown>[]) {
    expect(ports, `endpoint port ${JSON.stringify(endpoint.port)} is a port of the Service`).to.include(
      endpoint.port,
    );
    expect(endpoint.honorLabels, 'honorLabels').to.equal(true);
    const serverName = (endpoint.tlsConfig as { serverName?: string } | undefined)?.serverName;
    if (serverName) expect(serverName).to.equal(`${service.metadata.name}.${service.metadata.namespace}.svc`);
  }
}

interface RelabelConfig {
  source_labels?: string[];
  regex?: string;
  action?: string;
}

/** The label a fleet's rules and dashboard group by: an example that sets external labels sets this one. */
const CLUSTER_LABEL = 'cluster';

function checkScrapeConfig(
  config: {
    scrape_configs: Record<string, unknown>[];
    global?: { external_labels?: Record<string, string> };
  },
  service: Service,
): void {
  const external = config.global?.external_labels;
  if (external) expect(external, 'external_labels').to.have.property(CLUSTER_LABEL).that.is.a('string');
  const ns = service.metadata.namespace ?? '';
  const telemetryPath = serveFlags.telemetryPath.default;
  for (const job of config.scrape_configs) {
    expect(job.job_name, 'the job the alerts expect').to.equal(JOB);
    expect(job.honor_labels, 'honor_labels').to.equal(true);
    if (job.metrics_path !== undefined) expect(job.metrics_path).to.equal(telemetryPath);
    const statics = (job.static_configs as { targets: string[] }[] | undefined) ?? [];
    const discovery =
      (job.kubernetes_sd_configs as { role: string; namespaces?: { names: string[] } }[]) ?? [];
    expect(statics.length + discovery.length, 'it finds targets somehow').to.be.above(0);
    for (const target of statics.flatMap((s) => s.targets)) {
      const [host, port] = target.split(':');
      const service_ = `${service.metadata.name}.${ns}.svc`;
      expect([service_, `${service_}.cluster.local`], `target ${target}`).to.include(host);
      expect(
        service.spec.ports.map((p) => String(p.port)),
        `target ${target}`,
      ).to.include(port);
    }
    for (const sd of discovery) if (sd.namespaces) expect(sd.namespaces.names).to.include(ns);
    for (const relabel of (job.relabel_configs as RelabelConfig[] | undefined) ?? []) {
      if (relabel.action !== 'keep' || relabel.source_labels?.length !== 1) continue;
      const source = relabel.source_labels[0] ?? '';
      const values =
        source === '__meta_kubernetes_endpoint_port_name' || source === '__meta_kubernetes_service_port_name'
          ? service.spec.ports.map((p) => p.name)
          : source === '__meta_kubernetes_service_name'
            ? [service.metadata.name]
            : source === '__meta_kubernetes_namespace'
              ? [ns]
              : Object.entries(service.metadata.labels ?? {})
                  .filter(([key]) => source === `__meta_kubernetes_service_label_${metaLabel(key)}`)
                  .map(([, value]) => value);
      expect(
        values.some((v) => fullMatch(relabel.regex, v)),
        `keep ${source} =~ ${relabel.regex} keeps the Service (it has ${JSON.stringify(values)})`,
      ).to.equal(true);
    }
  }
}

interface JsonPatchOp {
  op: string;
  path: string;
  value?: unknown;
}

interface Patch {
  target: { group?: string; kind: string; name: string };
  patch: string;
}

const bundledRules = parse(
  readFileSync(join(repoRoot, 'deploy/rules/netpol-exporter.rules.yaml'), 'utf8'),
) as { groups: { rules: { alert?: string; record?: string }[] }[] };
const bundledAlerts = bundledRules.groups.flatMap((g) => g.rules.flatMap((r) => (r.alert ? [r.alert] : [])));
const recorded = bundledRules.groups.flatMap((g) => g.rules.flatMap((r) => (r.record ? [r.record] : [])));
const exported = new Set(ALL_FAMILIES.map((f) => f.name));

/** The metric names a PromQL expression selects, and its parse errors. */
function promql(expr: string): { metrics: string[]; errors: string[] } {
  const metrics: string[] = [];
  const errors: string[] = [];
  parser.parse(expr).iterate({
    enter: (n) => {
      if (n.type.isError) errors.push(`at ${n.from}: ${JSON.stringify(expr.slice(n.from, n.to + 10))}`);
      if (n.type.name === 'VectorSelector') {
        const name = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(expr.slice(n.from, n.to))?.[0];
        if (name) metrics.push(name);
      }
    },
  });
  return { metrics, errors };
}

/** Whether the exporter, Prometheus itself or the bundled rules produce the metric. */
function known(metric: string): boolean {
  return (
    exported.has(metric) ||
    recorded.includes(metric) ||
    // What Prometheus itself records: per target (up, scrape_*) and per alert.
    ['up', 'ALERTS', 'ALERTS_FOR_STATE'].includes(metric) ||
    /^scrape_/.test(metric) ||
    /^(process|nodejs)_/.test(metric)
  );
}

/** A PromQL block holds one query per line; indented lines continue the query above; `#` starts a comment. */
function queries(block: string): string[] {
  const out: string[] = [];
  for (const raw of block.split('\n')) {
    const line = raw.replace(/\s+#.*$/, '');
    if (line.trim() === '' || line.trim().startsWith('#')) continue;
    if (/^\s/.test(line) && out.length > 0) out[out.length - 1] += ` ${line.trim()}`;
    else out.push(line.trim());
  }
  return out;
}

function checkPromql(expr: string): void {
  const { metrics, errors } = promql(expr);
  expect(errors, 'PromQL parse errors').to.deep.equal([]);
  expect(
    metrics.filter((m) => !known(m)),
    'metrics neither the exporter, Prometheus nor the rules produce',
  ).to.deep.equal([]);
  for (const m of expr.matchAll(/alertname\s*=\s*"([^"]+)"/g)) expect(bundledAlerts).to.include(m[1]);
}

interface Workflow {
  jobs: Record<
    string,
    {
      permissions?: Record<string, string>;
      steps: { run?: string; uses?: string; if?: string; with?: Record<string, unknown> }[];
    }
  >;
}

/**
 * A workflow that audits: every `netpol-exporter audit` it runs takes only audit flags, and one that writes SARIF writes
 * it from files (stdin has no file for code scanning to point at) to the file the upload step sends, which runs even
 * when the audit exits 1 and has the permission it needs.
 */
function checkWorkflow(workflow: Workflow): void {
  let audits = 0;
  for (const [name, job] of Object.entries(workflow.jobs)) {
    for (const step of job.steps) {
      const command = /netpol-exporter audit (.*?)(?: > (\S+))?$/m.exec(step.run ?? '');
      if (!command) continue;
      audits++;
      const argv = (command[1] ?? '').split(/\s+/);
      const { values } = parseArgs(auditFlags, sourceArgs(argv), {});
      if (values.output !== 'sarif') continue;
      expect(values.manifests, `${name}: --manifests FILES`).to.be.a('string').and.not.equal('');
      expect(values.manifests.split(','), `${name}: stdin has no file to point at`).to.not.include('-');
      const upload = job.steps.find((s) => s.uses?.startsWith('github/codeql-action/upload-sarif@'));
      expect(upload?.with?.sarif_file, `${name}: uploads the file the audit writes`).to.equal(command[2]);
      expect(upload?.if, `${name}: uploads when the audit exits 1`).to.match(
        /always\(\)|!cancelled\(\)|failure\(\)/,
      );
      expect(job.permissions?.['security-events'], `${name}: may upload`).to.equal('write');
    }
  }
  expect(audits, 'runs the audit').to.be.greaterThan(0);
}

describe('docs: every example works against what it refers to', function () {
  this.timeout(120_000);
  const examples = yamlExamples();
  let rendered: KubeObject[] = [];
  let service: Service;

  before(async () => {
    rendered = await kustomize(join(repoRoot, 'deploy/overlays/prometheus-operator'));
    service = theOne(rendered, 'Service') as Service;
  });

  it('finds the examples it is about (a ServiceMonitor, scrape configs, patches)', () => {
    const kinds = examples.map(kindOf);
    expect(kinds).to.include.members([
      'Kubernetes manifest',
      'Prometheus scrape config',
      'kustomize patches',
    ]);
    expect(examples.some((e) => (e.docs as KubeObject[]).some((d) => d?.kind === 'ServiceMonitor'))).to.equal(
      true,
    );
  });

  for (const example of examples) {
    const kind = kindOf(example);
    it(`${example.where}: ${kind ?? 'a YAML example of no kind this test knows'}`, async () => {
      expect(kind, 'a YAML example this test does not know how to check: give it a check').to.be.a('string');
      await check(kind as Kind, example);
    });
  }

  it('finds PromQL examples', () => {
    expect(promqlExamples).to.not.be.empty;
  });

  for (const { where, body } of promqlExamples)
    it(`${where}: PromQL that parses and names only metrics that exist`, () => {
      for (const expr of queries(body)) expect(() => checkPromql(expr), expr).to.not.throw();
    });

  async function check(kind: Kind, example: Example): Promise<void> {
    const top = example.docs[0] as Record<string, unknown>;
    switch (kind) {
      case 'Kubernetes manifest':
        return checkManifests(example.docs as KubeObject[]);
      case 'Prometheus scrape config':
        return checkScrapeConfig(top as { scrape_configs: Record<string, unknown>[] }, service);
      case 'kustomize patches':
        return checkPatches(example, top.patches as Patch[]);
      case 'kustomization': {
        const out = await kustomizeWith(top);
        for (const image of (top.images as { name: string; newName?: string; newTag?: string }[]) ?? []) {
          const images = byKind(out, 'Deployment').flatMap((d) =>
            (d.spec.template.spec.containers as { image: string }[]).map((c) => c.image),
          );
          expect(images, `images: ${image.name} names an image deploy/ uses`).to.include(
            `${image.newName ?? image.name}:${image.newTag}`,
          );
        }
        return;
      }
      case 'web config':
        parseWebConfig(example.body, '/etc/netpol-exporter');
        return;
      case 'container probes': {
        const container = theOne(rendered, 'Deployment').spec.template.spec.containers[0];
        // A probe names the container's port, or gives its number.
        const ports = (container.ports as { name: string; containerPort: number }[]).flatMap((p) => [
          p.name,
          p.containerPort,
        ]);
        for (const [name, probe] of Object.entries(top) as [
          string,
          Record<string, { port: unknown; path?: string }>,
        ][]) {
          const handler = probe.httpGet ?? probe.tcpSocket;
          expect(ports, `${name} port`).to.include(handler?.port);
          if (probe.httpGet)
            expect(probe.httpGet.path, `${name} path`).to.equal(container[name]?.httpGet?.path);
        }
        return;
      }
      case 'GitHub Actions workflow':
        return checkWorkflow(top as unknown as Workflow);
      case 'alerting rules':
        for (const rule of top as unknown as { alert: string; expr: string }[]) {
          expect(bundledAlerts, 'a rule of your own has a name of its own').to.not.include(rule.alert);
          checkPromql(rule.expr);
        }
        return;
      case 'Alertmanager config': {
        const routes = ((top.route as { routes?: { matchers?: string[] }[] }).routes ?? []).flatMap(
          (r) => r.matchers ?? [],
        );
        for (const matcher of routes) {
          const m = /^alertname\s*(=~|=)\s*"([^"]*)"$/.exec(matcher);
          if (m)
            expect(
              bundledAlerts.some((a) => fullMatch(m[2], a)),
              matcher,
            ).to.equal(true);
        }
        return;
      }
    }
  }

  async function checkManifests(objects: KubeObject[]): Promise<void> {
    for (const obj of objects) {
      if (obj.kind === 'ServiceMonitor') checkServiceMonitor(obj, service);
      else if (obj.kind === 'NetworkPolicy') new NetworkPolicy(obj as never).validate();
      else if (obj.kind === 'Prometheus') {
        new Prometheus(obj as never).validate();
        expect(obj.spec?.externalLabels, 'a Prometheus example of a fleet labels its cluster')
          .to.have.property(CLUSTER_LABEL)
          .that.is.a('string');
      } else expect.fail(`a ${obj.kind} example: add a check for it`);
    }
    const policies = objects.filter((o) => o.kind === 'NetworkPolicy');
    if (policies.length === 0) return;
    // Policies are for applying: the exporter's own audit reads them and counts their namespace covered.
    const result = await runMain(
      auditMain,
      ['--manifests', '-'],
      policies.map((p) => stringify(p)).join('---\n'),
    );
    expect(result.code, result.stderr).to.equal(0);
  }

  async function checkPatches(example: Example, patches: Patch[]): Promise<void> {
    const out = await kustomizeWith({ patches });
    for (const { target, patch } of patches) {
      const before = theOne(rendered, target.kind, target.name);
      const after = theOne(out, target.kind, target.name);
      if (target.group) expect(before.apiVersion.split('/')[0]).to.equal(target.group);
      for (const op of parse(patch) as JsonPatchOp[]) {
        if (op.op === 'replace')
          expect(at(before, op.path), `${op.path} exists before the patch`).to.not.equal(undefined);
        if (op.op === 'replace' || op.op === 'add')
          expect(at(after, op.path), `${op.path} after the patch`).to.deep.equal(op.value);
        // A patch into one rule of the PrometheusRule: the prose before the example names the alert it changes.
        const rule = /^\/spec\/groups\/(\d+)\/rules\/(\d+)\//.exec(op.path);
        if (target.kind === 'PrometheusRule' && rule) {
          const alert = before.spec.groups[Number(rule[1])]?.rules[Number(rule[2])]?.alert;
          const page = docPages().find((p) => p.path === example.page)?.text ?? '';
          const lead = page
            .split('\n')
            .slice(Math.max(0, example.line - 12), example.line)
            .join('\n');
          expect(lead, `the text before it names the alert the patch changes, ${alert}`).to.contain(alert);
        }
      }
    }
  }
});
