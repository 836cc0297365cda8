// `audit --manifests` at the size of a monorepo (issue: 24,000 namespaces of Deployments, Services and
// NetworkPolicies in one ~40 MB file): the manifest is generated here, never committed; the audit runs as a user runs
// it (`node <this tree compiled>/cli/main.js audit --manifests FILE --output json`, what bin/netpol-exporter.js runs),
// timed with its peak RSS.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { stat, writeFile } from 'node:fs/promises';
import path from 'node:path';

export const AUDIT_TARGETS = { seconds: 15, rssMb: 500 };

export interface AuditResult {
  namespaces: number;
  manifestMb: number;
  objects: number;
  seconds: number;
  /** Undefined where /usr/bin/time is missing. */
  peakRssMb: number | undefined;
  /**
   * CPU seconds in user mode (all threads: the garbage collector's too); undefined where /usr/bin/time is missing.
   * On a shared machine it moves less than the wall time.
   */
  userSeconds?: number | undefined;
  exitCode: number | null;
}

/** One namespace as a repository holds it: the Namespace, a Deployment, its Service and two NetworkPolicies. */
function namespaceDocs(i: number): string {
  const ns = `team-${String(i).padStart(5, '0')}`;
  return `apiVersion: v1
kind: Namespace
metadata:
  name: ${ns}
  labels: {team: t${i % 200}, environment: ${i % 3 === 0 ? 'production' : 'staging'}}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: ${ns}
  labels: {app: web}
  annotations:
    owner.example.com/contact: team-${i % 200}@example.com
    description: The web frontend of ${ns}, serving its public pages.
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web, tier: frontend}
    spec:
      containers:
        - name: web
          image: registry.example.com/web:1.2.3
          ports: [{containerPort: 8080, name: http}]
          resources:
            requests: {cpu: 100m, memory: 128Mi}
            limits: {memory: 256Mi}
---
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: ${ns}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: http}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: default-deny
  namespace: ${ns}
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: allow-web
  namespace: ${ns}
spec:
  podSelector:
    matchLabels: {app: web}
  ingress:
    - from:
        - namespaceSelector:
            matchLabels: {team: t${(i + 1) % 200}}
      ports: [{port: 8080, protocol: TCP}]
  egress:
    - to:
        - namespaceSelector:
            matchLabels: {kubernetes.io/metadata.name: kube-system}
          podSelector:
            matchLabels: {k8s-app: kube-dns}
      ports: [{port: 53, protocol: UDP}]
`;
}

export async function benchAudit(options: {
  namespaces: number;
  dir: string;
  root: string;
  /** This tree's compiled CLI entry point. */
  main: string;
}): Promise<AuditResult> {
  const file = path.join(options.dir, 'monorepo.yaml');
  const docs: string[] = [];
  for (let i = 0; i < options.namespaces; i++) docs.push(namespaceDocs(i));
  await writeFile(file, docs.join('---\n'));
  const manifestMb = (await stat(file)).size / 1024 / 1024;
  const timed = existsSync('/usr/bin/time');
  const command = timed ? '/usr/bin/time' : process.execPath;
  const args = [
    ...(timed ? ['-f', 'peak-rss-kb %M user-s %U', process.execPath] : []),
    options.main,
    'audit',
    '--manifests',
    file,
  ];
  const started = performance.now();
  const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
    const child = spawn(command, [...args, '--output', 'json'], {
      cwd: options.root,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    let err = '';
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (c) => resolve({ code: c, stderr: err }));
  });
  const seconds = (performance.now() - started) / 1000;
  const kb = /peak-rss-kb (\d+)/.exec(stderr)?.[1];
  const user = /user-s ([\d.]+)/.exec(stderr)?.[1];
  return {
    namespaces: options.namespaces,
    manifestMb,
    objects: options.namespaces * 5,
    seconds,
    peakRssMb: kb ? Number(kb) / 1024 : undefined,
    userSeconds: user ? Number(user) : undefined,
    exitCode: code,
  };
}

export function formatAudit(r: AuditResult): string {
  const met = (ok: boolean) => (ok ? 'met' : 'MISSED');
  const rss = r.peakRssMb === undefined ? '-' : `${r.peakRssMb.toFixed(0)} MB`;
  const user = r.userSeconds === undefined ? '' : ` (${r.userSeconds.toFixed(1)} s user CPU)`;
  return [
    `audit --manifests: ${r.namespaces.toLocaleString('en-US')} namespaces, ${r.objects.toLocaleString('en-US')} objects, ${r.manifestMb.toFixed(1)} MB of YAML (exit ${r.exitCode})`,
    `  wall ${r.seconds.toFixed(1)} s${user} (target < ${AUDIT_TARGETS.seconds} s: ${met(r.seconds < AUDIT_TARGETS.seconds)}); peak RSS ${rss} (target < ${AUDIT_TARGETS.rssMb} MB: ${r.peakRssMb === undefined ? '-' : met(r.peakRssMb < AUDIT_TARGETS.rssMb)})`,
    '',
  ].join('\n');
}
