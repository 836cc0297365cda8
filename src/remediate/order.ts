// The rollout order the control advises: namespaces that face the internet or run production first, then the
// rest; within a rank, by name. Which labels mark those namespaces is configuration (--priority-labels).

export interface PriorityLabel {
  key: string;
  value: string;
}

export interface RankedNamespace {
  name: string;
  /** 0 for the first priority label, 1 for the second, ...; priorities.length when none matches. */
  rank: number;
  /** The label that put it there (`key=value`), if any. */
  reason: string | undefined;
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
  namespaces: { name: string; labels: Record<string, string> }[],
  priorities: PriorityLabel[],
): RankedNamespace[] {
  return namespaces
    .map((ns) => {
      const index = priorities.findIndex((p) => ns.labels[p.key] === p.value);
      const match = priorities[index];
      return {
        name: ns.name,
        rank: index < 0 ? priorities.length : index,
        reason: match ? `${match.key}=${match.value}` : undefined,
      };
    })
    .sort((a, b) => a.rank - b.rank || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
