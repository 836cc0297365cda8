// The rollout order the control advises: namespaces that face the internet first (as the cluster's Services,
// Ingresses and routes say), then those the priority labels mark (--priority-labels: production, or a hand-kept
// internet-facing label), then the rest; within a rank, by name.

export interface PriorityLabel {
  key: string;
  value: string;
}

export interface RankedNamespace {
  name: string;
  /** 0 when the cluster says it faces the internet; 1 for the first priority label, ...; priorities.length + 1 else. */
  rank: number;
  /** The label that put it there (`key=value`), if any. */
  reason: string | undefined;
  /** How the internet reaches it (`load_balancer via Service shop/web`, ...), when it does. */
  internetFacing?: string;
}

export function parsePriorityLabels(raw: string): PriorityLabel[] | string {
  const labels: PriorityLabel[] = [];
  for (const part of raw.split(',')) {
    const item = part.trim();
    if (item === '') continue;
    const eq = item.indexOf('=');
    if (eq <= 0) return `expected key=value, not ${JSON.stringify(item)}`;
    labels.push({ key: item.slice(0, eq), value: item.slice(eq + 1) });
  }
  return labels;
}

export function rankNamespaces(
  namespaces: { name: string; labels: Record<string, string>; internetFacing?: string | undefined }[],
  priorities: PriorityLabel[],
): RankedNamespace[] {
  return namespaces
    .map((ns) => {
      if (ns.internetFacing)
        return { name: ns.name, rank: 0, reason: undefined, internetFacing: ns.internetFacing };
      const index = priorities.findIndex((p) => ns.labels[p.key] === p.value);
      const match = priorities[index];
      return {
        name: ns.name,
        rank: index < 0 ? priorities.length + 1 : index + 1,
        reason: match ? `${match.key}=${match.value}` : undefined,
      };
    })
    .sort((a, b) => a.rank - b.rank || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
