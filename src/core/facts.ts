// Slim facts taken from Kubernetes API objects: only what the verdicts need, so the cache never holds
// managedFields, last-applied-configuration or pod specs. Every reader tolerates malformed input.

export interface LabelSelectorRequirement {
  key: string;
  operator: string;
  values: string[];
}

export interface LabelSelector {
  matchLabels: Record<string, string>;
  matchExpressions: LabelSelectorRequirement[];
}

export interface NamespaceFacts {
  name: string;
  phase: string;
  /** Unix seconds; NaN when the object carries no parsable creationTimestamp. */
  createdSeconds: number;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface DirectionFacts {
  /** The direction is among the policy's effective policyTypes. */
  applies: boolean;
  /** Number of rules for the direction (`ingress: [{}]` is one rule that allows everything). */
  rules: number;
  /** The direction applies and one of its rules has no peers and no ports: it allows all traffic. */
  allowsAll: boolean;
  /** What the rules admit, for reachability; absent in facts built by hand, where rules > 0 reads as unknown. */
  peers?: PeerFacts;
}

export interface PolicyFacts {
  namespace: string;
  name: string;
  podSelector: LabelSelector;
  ingress: DirectionFacts;
  egress: DirectionFacts;
}

type Json = Record<string, unknown>;

export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringMap(value: unknown, keep: (key: string) => boolean = () => true): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isObject(value)) return out;
  for (const [key, v] of Object.entries(value)) {
    if (typeof v === 'string' && keep(key)) out[key] = v;
  }
  return out;
}

function timestampSeconds(value: unknown): number {
  // List results from client-node's serializer carry Date objects, watch events carry strings.
  if (value instanceof Date) return value.getTime() / 1000;
  if (typeof value === 'string') {
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? Number.NaN : ms / 1000;
  }
  return Number.NaN;
}

/** The empty selector (everything), shared: most podSelectors are empty, and facts are never changed. */
const EMPTY_SELECTOR: LabelSelector = Object.freeze({
  matchLabels: Object.freeze({}),
  matchExpressions: Object.freeze([]) as unknown as LabelSelector['matchExpressions'],
});

/**
 * A selector as the API object spells it. An expression that cannot be read (not an object, no key or operator)
 * is kept as one with an unreadable operator rather than dropped: dropping it would widen the selector, while an
 * unknown operator makes every match 'unknown' (selectors/label-selector.ts) and is named by selectorProblem().
 */
export function labelSelectorFrom(value: unknown): LabelSelector {
  if (!isObject(value)) return EMPTY_SELECTOR;
  const matchLabels = stringMap(value.matchLabels);
  const matchExpressions: LabelSelector['matchExpressions'] = [];
  if (Array.isArray(value.matchExpressions)) {
    for (const expr of value.matchExpressions) {
      if (!isObject(expr) || typeof expr.key !== 'string' || typeof expr.operator !== 'string') {
        const key = isObject(expr) && typeof expr.key === 'string' ? expr.key : '';
        matchExpressions.push({ key, operator: '(unreadable expression)', values: [] });
        continue;
      }
      const values = Array.isArray(expr.values) ? expr.values.filter((v) => typeof v === 'string') : [];
      matchExpressions.push({ key: expr.key, operator: expr.operator, values });
    }
  }
  return matchExpressions.length === 0 && Object.keys(matchLabels).length === 0
    ? EMPTY_SELECTOR
    : { matchLabels, matchExpressions };
}

export function isEmptySelector(selector: LabelSelector): boolean {
  return Object.keys(selector.matchLabels).length === 0 && selector.matchExpressions.length === 0;
}

export interface ObjectKey {
  namespace: string;
  name: string;
}

/** The namespace and name of any object, or undefined when metadata.name is missing. */
export function objectKey(obj: unknown): ObjectKey | undefined {
  if (!isObject(obj) || !isObject(obj.metadata)) return undefined;
  const { name, namespace } = obj.metadata;
  if (typeof name !== 'string' || name === '') return undefined;
  return { name, namespace: typeof namespace === 'string' ? namespace : '' };
}

export interface FactOptions {
  /** Annotations to keep (the rest are dropped: last-applied-configuration can be many kilobytes). */
  keepAnnotation?: (key: string) => boolean;
}

export function namespaceFacts(obj: unknown, options: FactOptions = {}): NamespaceFacts | undefined {
  const key = objectKey(obj);
  if (!key || !isObject(obj)) return undefined;
  const metadata = obj.metadata as Json;
  const status = isObject(obj.status) ? obj.status : {};
  return {
    name: key.name,
    phase: typeof status.phase === 'string' && status.phase !== '' ? status.phase : 'Active',
    createdSeconds: timestampSeconds(metadata.creationTimestamp),
    labels: stringMap(metadata.labels),
    annotations: stringMap(metadata.annotations, options.keepAnnotation ?? (() => false)),
  };
}

function ruleCount(value: unknown): number {
  return Array.isArray(value) ? value.length : 0;
}

const isEmptyList = (value: unknown) => value === undefined || value === null || ruleCount(value) === 0;

/** A rule with no peers (`from`/`to` absent or empty) and no ports admits every source or destination. */
function hasAllowAllRule(rules: unknown, peers: 'from' | 'to'): boolean {
  return (
    Array.isArray(rules) && rules.some((r) => isObject(r) && isEmptyList(r[peers]) && isEmptyList(r.ports))
  );
}

/**
 * Effective policyTypes as the API server defaults them: when `policyTypes` is omitted or empty, Ingress always
 * applies and Egress only when egress rules exist. Unknown types are ignored.
 */
function effectiveTypes(spec: Json): { ingress: boolean; egress: boolean } {
  const declared = Array.isArray(spec.policyTypes)
    ? spec.policyTypes.filter((t) => typeof t === 'string')
    : [];
  if (declared.length === 0) return { ingress: true, egress: ruleCount(spec.egress) > 0 };
  return { ingress: declared.includes('Ingress'), egress: declared.includes('Egress') };
}

export function policyFacts(obj: unknown): PolicyFacts | undefined {
  const key = objectKey(obj);
  if (!key || !isObject(obj)) return undefined;
  const spec = isObject(obj.spec) ? obj.spec : {};
  const types = effectiveTypes(spec);
  return {
    namespace: key.namespace,
    name: key.name,
    podSelector: shared(labelSelectorFrom(spec.podSelector)),
    ingress: direction(
      types.ingress,
      ruleCount(spec.ingress),
      types.ingress && hasAllowAllRule(spec.ingress, 'from'),
      peerFacts(spec.ingress, 'from'),
    ),
    egress: direction(
      types.egress,
      ruleCount(spec.egress),
      types.egress && hasAllowAllRule(spec.egress, 'to'),
      peerFacts(spec.egress, 'to'),
    ),
  };
}

/**
 * The value kept under `key`, else the one `make` makes, kept from now on: facts are never changed, so equal ones
 * can be one object (thousands of policies name the same few selectors). Bounded: past 10,000 keys a table starts
 * again.
 */
export function interned<T>(table: Map<string, T>, key: string, make: () => T): T {
  const known = table.get(key);
  if (known !== undefined) return known;
  if (table.size >= 10_000) table.clear();
  const made = make();
  table.set(key, made);
  return made;
}

const sharedDirections = new Map<string, DirectionFacts>();
/** A direction's facts; one object per distinct direction without peers (a default deny's, the commonest). */
function direction(applies: boolean, rules: number, allowsAll: boolean, peers: PeerFacts): DirectionFacts {
  if (peers !== NO_PEERS) return { applies, rules, allowsAll, peers };
  return interned(sharedDirections, `${applies}/${rules}/${allowsAll}`, () => ({
    applies,
    rules,
    allowsAll,
    peers,
  }));
}

/**
 * What a policy's rules for one direction admit, peers judged by namespace: ports narrow a rule but never remove its
 * peer (reachable on some port is reachable). The slim input of core/exposure/reachability.ts: no ports; a peer's
 * podSelector only when it is not empty (a selector no pod can satisfy admits nothing: core/exposure judges it, since
 * these facts sit below the selectors); ipBlocks as written, for "every address of a family" by their union.
 */
export interface PeerFacts {
  /** A rule without peers (`from`/`to` missing or empty): every pod of every namespace, and every address. */
  everything: boolean;
  /** A peer with an empty (or absent) podSelector and no namespaceSelector: pods of the policy's own namespace. */
  ownNamespace: boolean;
  /** The namespaceSelectors of peers with an empty (or absent) podSelector, one per distinct selector. */
  namespaceSelectors: LabelSelector[];
  /** Peers with a non-empty podSelector: some pods of their namespaces, if any pod can carry such labels. */
  podPeers: readonly PodPeer[];
  /** The ipBlock peers: addresses outside the pod network. */
  blocks: readonly IpBlock[];
  /** A rule or peer the API server would refuse (no peer type, or ipBlock beside a selector): what it admits is unknown. */
  unreadable: boolean;
}

export interface PodPeer {
  /** The peer's namespaceSelector; undefined for the policy's own namespace. */
  namespaces?: LabelSelector;
  pods: LabelSelector;
}

export interface IpBlock {
  cidr: string;
  except: readonly string[];
}

// Lists the core keeps for as long as a policy or namespace lives. An array built with push (or filter) keeps room
// for 17 elements, 184 bytes for one; at 10,000 namespaces the spare room of a few lists each was 8 MB of heap
// (docs/performance.md). keptList stores a list at its length, and every empty one as the same frozen list.
export const NO_ITEMS: readonly never[] = Object.freeze([]);

export function keptList<T>(list: readonly T[]): readonly T[] {
  return list.length === 0 ? NO_ITEMS : list.slice();
}

export const NO_PEERS: Readonly<PeerFacts> = Object.freeze({
  everything: false,
  ownNamespace: false,
  namespaceSelectors: [],
  podPeers: NO_ITEMS,
  blocks: NO_ITEMS,
  unreadable: false,
});

/** The immutable label the API server sets on every Namespace (Kubernetes >= 1.21): its name. */
export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

/** A canonical text for a selector: equal selectors (whatever their key and value order) get equal keys. */
export function selectorKey(selector: LabelSelector): string {
  const labels = Object.entries(selector.matchLabels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const exprs = selector.matchExpressions
    .map((e) => [e.key, e.operator, [...e.values].sort()] as const)
    .sort((a, b) => {
      const x = JSON.stringify(a);
      const y = JSON.stringify(b);
      return x < y ? -1 : x > y ? 1 : 0;
    });
  return JSON.stringify([labels, exprs]);
}

const sharedSelectors = new Map<string, LabelSelector>();
/**
 * One object per distinct selector (a policy's podSelector, a peer's podSelector or namespaceSelector): thousands of
 * policies name the same few (`app: prometheus`, a DNS rule's kube-system).
 */
function shared(selector: LabelSelector): LabelSelector {
  return isEmptySelector(selector)
    ? EMPTY_SELECTOR
    : interned(sharedSelectors, selectorKey(selector), () => selector);
}

/** The peers of a direction's rules (`ingress[].from` or `egress[].to`). */
function peerFacts(rules: unknown, field: 'from' | 'to'): PeerFacts {
  if (!Array.isArray(rules) || rules.length === 0) return NO_PEERS;
  const facts: PeerFacts = { ...NO_PEERS, namespaceSelectors: [] };
  // Most policies have neither: the shared empty lists stay unless one is found.
  const podPeers: PodPeer[] = [];
  const blocks: IpBlock[] = [];
  const seen = new Set<string>();
  for (const rule of rules) {
    if (!isObject(rule)) {
      facts.unreadable = true;
      continue;
    }
    const peers = rule[field];
    if (peers === undefined || peers === null || (Array.isArray(peers) && peers.length === 0)) {
      facts.everything = true;
      continue;
    }
    if (!Array.isArray(peers)) {
      facts.unreadable = true;
      continue;
    }
    for (const peer of peers) {
      if (!isObject(peer)) {
        facts.unreadable = true;
        continue;
      }
      const hasNs = isObject(peer.namespaceSelector);
      const hasPods = isObject(peer.podSelector);
      if (isObject(peer.ipBlock)) {
        const cidr = peer.ipBlock.cidr;
        if (hasNs || hasPods || typeof cidr !== 'string') {
          facts.unreadable = true;
          continue;
        }
        const except = peer.ipBlock.except;
        const excepts = Array.isArray(except) ? except.filter((e) => typeof e === 'string') : [];
        blocks.push({ cidr, except: excepts.length > 0 ? excepts : NO_ITEMS });
        continue;
      }
      if (!hasNs && !hasPods) {
        facts.unreadable = true;
        continue;
      }
      const pods = hasPods ? shared(labelSelectorFrom(peer.podSelector)) : EMPTY_SELECTOR;
      const namespaces = hasNs ? shared(labelSelectorFrom(peer.namespaceSelector)) : undefined;
      if (!isEmptySelector(pods)) podPeers.push(namespaces ? { namespaces, pods } : { pods });
      else if (!namespaces) facts.ownNamespace = true;
      else {
        const key = selectorKey(namespaces);
        if (!seen.has(key)) {
          seen.add(key);
          facts.namespaceSelectors.push(namespaces);
        }
      }
    }
  }
  facts.namespaceSelectors = keptList(facts.namespaceSelectors) as LabelSelector[];
  facts.podPeers = keptList(podPeers);
  facts.blocks = keptList(blocks);
  return facts;
}
