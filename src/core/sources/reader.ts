// What a reader of a policy source makes of one object: its identity and which namespaces it protects, as a
// predicate over a namespace's name and labels (true, false or 'unknown'), what it selects in words, and why an
// answer can be 'unknown'. Shared by every reader in this folder.
import { isObject, type NamespaceFacts } from '../facts.ts';
import type { Tri } from '../selectors/label-selector.ts';

export type Json = Record<string, unknown>;
export type Predicate = (ns: Pick<NamespaceFacts, 'name' | 'labels'>) => Tri;

export interface PolicyReach {
  /** '' for cluster-scoped kinds. */
  namespace: string;
  name: string;
  /** Whether the policy protects the namespace; namespaced kinds answer false for every other namespace. */
  protects: Predicate;
  /** What it selects, in the kind's own terms (`namespaceSelector: env == 'prod'`), for people to read. */
  selects: string;
  /**
   * Why `protects` can answer 'unknown': the fields the reader does not evaluate, or the labels it cannot know.
   * Empty when every answer is certain.
   */
  unknownReason: string;
}

export const NEVER: Predicate = () => false;
export const UNKNOWN: Predicate = () => 'unknown';

export function specOf(obj: unknown): Json {
  return isObject(obj) && isObject(obj.spec) ? obj.spec : {};
}
