// Per-namespace scope families: excluded by configuration (still exported, never hidden), and the allow-listed
// namespace labels alerts join on to route by team or owner (kube-state-metrics' kube_namespace_labels style).
import type { NamespaceContext } from '../../core/context/namespace-context.ts';
import type { Family } from '../family.ts';
import type { Labels } from '../text.ts';

/** `app.kubernetes.io/team` becomes `label_app_kubernetes_io_team`, as kube-state-metrics names them. */
export function promLabelName(key: string): string {
  return `label_${key.replace(/[^a-zA-Z0-9_]/g, '_')}`;
}

/** Two keys that sanitise alike (`team.name`, `team_name`) both stay visible: later ones get `_conflictN`. */
export function namespaceLabelPairs(name: string, labels: readonly [string, string][]): Labels {
  const pairs: [string, string][] = [['namespace', name]];
  const used = new Set<string>(['namespace']);
  for (const [key, value] of labels) {
    let label = promLabelName(key);
    for (let n = 1; used.has(label); n++) label = `${promLabelName(key)}_conflict${n}`;
    used.add(label);
    pairs.push([label, value]);
  }
  return pairs;
}

export const scopeFamilies: Family<NamespaceContext>[] = [
  {
    name: 'netpol_namespace_excluded',
    help: '1 when the namespace is out of scope by configuration (--namespaces.* flags), else 0.',
    type: 'gauge',
    labels: ['namespace'],
    doc: 'Excluded namespaces are still exported.',
    samples: (c) => [{ labels: [['namespace', c.name]], value: c.excluded ? 1 : 0 }],
  },
  {
    name: 'netpol_namespace_labels',
    help: 'The namespace labels named by --metric-labels-allowlist, as label_<key> labels; always 1.',
    type: 'gauge',
    labels: ['namespace', 'label_<key>'],
    doc: 'Absent when the allow-list is empty.',
    samples: (c) => (c.labels ? [{ labels: namespaceLabelPairs(c.name, c.labels), value: 1 }] : []),
  },
];
