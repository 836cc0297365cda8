// Lists the core keeps for as long as a policy or namespace lives. An array built with push (or filter) keeps room
// for 17 elements, 184 bytes for one; at 10,000 namespaces the spare room of a few lists each was 10 MB of heap
// (docs/performance.md). keptList stores a list at its length, and every empty one as the same frozen list.
export const NO_ITEMS: readonly never[] = Object.freeze([]);

export function keptList<T>(list: readonly T[]): readonly T[] {
  return list.length === 0 ? NO_ITEMS : list.slice();
}
