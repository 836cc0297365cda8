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

export function labelSelectorFrom(value: unknown): LabelSelector {
  const selector: LabelSelector = { matchLabels: {}, matchExpressions: [] };
  if (!isObject(value)) return selector;
  selector.matchLabels = stringMap(value.matchLabels);
  if (Array.isArray(value.matchExpressions)) {
    for (const expr of value.matchExpressions) {
      if (!isObject(expr) || typeof expr.key !== 'string' || typeof expr.operator !== 'string') continue;
      const values = Array.isArray(expr.values) ? expr.values.filter((v) => typeof v === 'string') : [];
      selector.matchExpressions.push({ key: expr.key, operator: expr.operator, values });
    }
  }
  return selector;
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
export function effectiveTypes(spec: Json): { ingress: boolean; egress: boolean } {
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
    podSelector: labelSelectorFrom(spec.podSelector),
    ingress: {
      applies: types.ingress,
      rules: ruleCount(spec.ingress),
      allowsAll: types.ingress && hasAllowAllRule(spec.ingress, 'from'),
    },
    egress: {
      applies: types.egress,
      rules: ruleCount(spec.egress),
      allowsAll: types.egress && hasAllowAllRule(spec.egress, 'to'),
    },
  };
}
