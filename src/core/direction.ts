// The two directions a policy governs. Shared by the verdicts, the source readers and reachability; it imports
// nothing, so everything can use it without closing an import circle.

export type Direction = 'ingress' | 'egress';
export const DIRECTIONS: readonly Direction[] = ['ingress', 'egress'];
