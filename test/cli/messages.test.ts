// Errors a new user meets first, each of which must say what to do, not only what went wrong: a Helm chart's template
// given as manifests, kubectl's short flags, a misspelt flag, a kubeconfig that is not there, an API server on a port
// Node's fetch will not connect to.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { auditMain } from '../../src/cli/audit.ts';
import { UsageError } from '../../src/cli/flags.ts';
import { FETCH_BAD_PORTS, loadKubeConfig } from '../../src/cli/kubeconfig.ts';
import { remediateMain } from '../../src/cli/remediate.ts';
import { exitOf, ROOT, spawnExporter } from '../helpers/exporter.ts';
import { runMain } from '../helpers/run.ts';

const kubeconfigFor = (server: string) => `apiVersion: v1
kind: Config
clusters: [{name: edge, cluster: {server: "${server}"}}]
users: [{name: u, user: {token: t}}]
contexts: [{name: ctx, context: {cluster: edge, user: u}}]
current-context: ctx
`;

// As `helm create` writes them: a block under an `{{- with }}`, and a value that is a template.
const HELM_TEMPLATE = `apiVersion: v1
kind: Namespace
metadata:
  name: {{ .Release.Namespace }}
  labels:
    {{- include "app.labels" . | nindent 4 }}
`;
const HELM_VALUE_ONLY = `apiVersion: v1
kind: Namespace
metadata:
  name: {{ .Values.namespace }}
`;

describe('messages that say what to do', function () {
  this.timeout(120_000);
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'netpol-messages-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  describe('a Helm template given as manifests', () => {
    for (const [what, text, line] of [
      ['that YAML cannot parse', HELM_TEMPLATE, 6],
      ['that parses, into a map used as a key', HELM_VALUE_ONLY, 4],
    ] as const)
      it(`${what}: exit 2, where, and to render it with helm template first`, async () => {
        const file = join(dir, 'namespace.yaml');
        await writeFile(file, text);
        for (const main of [auditMain, remediateMain]) {
          const result = await runMain(main, ['--manifests', file]);
          expect(result.code).to.equal(2);
          expect(result.stderr.trimEnd().split('\n')).to.have.length(1);
          expect(result.stderr).to.match(new RegExp(`${file}:${line}:\\d+: `));
          expect(result.stderr).to.contain('pipe `helm template RELEASE CHART` into --manifests -');
        }
      });

    it('not for quoted or block-scalar {{ }}, as in a PrometheusRule (Alertmanager templates are fine YAML)', async () => {
      const rule = `apiVersion: v1
kind: Namespace
metadata: {name: monitoring}
---
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata: {name: r, namespace: monitoring}
spec:
  groups:
    - name: g
      rules:
        - alert: A
          expr: vector(1)
          annotations:
            summary: "{{ $labels.namespace }} is uncovered."
            description: |
              {{ $labels.namespace }} has no NetworkPolicy.
`;
      const result = await runMain(auditMain, ['--manifests', '-'], rule);
      expect(result.stderr).to.not.contain('helm');
      expect(result.code).to.equal(1);
    });
  });

  describe('flags', () => {
    for (const [args, expected] of [
      [['audit', '-o', 'json'], 'unknown flag -o; did you mean --output=json? (see --help)'],
      [['audit', '-ojson'], 'unknown flag -ojson; did you mean --output=json? (see --help)'],
      [['audit', '-f', 'app.yaml'], 'unknown flag -f; did you mean --manifests=app.yaml? (see --help)'],
      [
        ['audit', '--manifest', 'app.yaml'],
        'unknown flag --manifest; did you mean --manifests? (see --help)',
      ],
      [['remediate', '--out-dri=x'], 'unknown flag --out-dri; did you mean --out-dir? (see --help)'],
      [
        ['--web.listen-adress=:0'],
        'unknown flag --web.listen-adress; did you mean --web.listen-address? (see --help)',
      ],
      // Nothing close: no guess.
      [['audit', '--frobnicate'], 'unknown flag --frobnicate (see --help)'],
      [['remediate', '-o', 'yaml'], 'unknown flag -o (see --help)'],
    ] as const)
      it(`${args.join(' ')}: ${expected}`, async () => {
        const main = args[0] === 'audit' ? auditMain : args[0] === 'remediate' ? remediateMain : undefined;
        if (main) {
          const result = await runMain(main, args.slice(1));
          expect(result.code).to.equal(2);
          expect(result.stderr).to.equal(`netpol-exporter ${args[0]}: ${expected}\n`);
        } else {
          const child = spawnExporter([...args]);
          expect((await exitOf(child)).code).to.equal(2);
          expect(child.output()).to.equal(`netpol-exporter: ${expected}\n`);
        }
      });
  });

  describe('the kubeconfig', () => {
    it('a --kubeconfig that is not there: says so and what to give instead', () => {
      const missing = join(dir, 'nope');
      expect(() => loadKubeConfig(missing, '', {}))
        .to.throw(UsageError)
        .with.property('message')
        .that.equals(
          `--kubeconfig ${missing}: no such file; give the path of a kubeconfig (kubectl's is ~/.kube/config), or leave --kubeconfig and KUBECONFIG empty to use the in-cluster config or ~/.kube/config`,
        );
    });

    it("KUBECONFIG listing several files (kubectl's habit): name one with --kubeconfig", () => {
      const list = `${join(dir, 'a')}:${join(dir, 'b')}`;
      expect(() => loadKubeConfig(list, '', { KUBECONFIG: list }))
        .to.throw(UsageError)
        .with.property('message')
        .that.matches(
          /^KUBECONFIG=\S+ lists several files, and netpol-exporter reads one: name it with --kubeconfig/,
        );
    });

    it('an API server on a port fetch refuses (1): the port, why, and to use another, before any request', async () => {
      const file = join(dir, 'port-1.kubeconfig');
      await writeFile(file, kubeconfigFor('https://127.0.0.1:1'));
      const expected =
        'the API server https://127.0.0.1:1 (cluster "edge") is on port 1, which Node\'s fetch refuses to connect to';
      // As processes: under tsx, the command's on-demand import of the kubeconfig module is a second copy, whose
      // UsageError this test process would not recognise.
      const audit = spawnExporter(['audit', '--kubeconfig', file]);
      expect((await exitOf(audit)).code, audit.output()).to.equal(2);
      expect(audit.output()).to.contain(`netpol-exporter audit: ${expected}`);
      expect(audit.output()).to.contain('serve or forward the API server on another port');
      expect(audit.output()).to.not.contain('fetch failed');
      // serve says the same and stops, rather than retrying a request that can never be sent.
      const serve = spawnExporter(['--kubeconfig', file, '--web.listen-address=127.0.0.1:0']);
      expect((await exitOf(serve)).code, serve.output()).to.equal(2);
      expect(serve.output()).to.contain(expected);
    });

    it("the list of refused ports is undici's own (the fetch under @kubernetes/client-node)", () => {
      const require = createRequire(join(ROOT, 'package.json'));
      const { badPorts } = require('undici/lib/web/fetch/constants.js') as { badPorts: string[] };
      expect([...FETCH_BAD_PORTS].sort((a, b) => a - b)).to.deep.equal(
        badPorts.map(Number).sort((a, b) => a - b),
      );
    });
  });
});
