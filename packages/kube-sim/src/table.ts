// Server-side printing (`Accept: application/json;as=Table;g=meta.k8s.io;v=v1`): kubectl get asks for Tables and
// prints the cells as given, so columns and the AGE format must match what the real server renders.

import type { KindDef } from './kinds.ts';
import type { KObject } from './objects.ts';
import { isObject } from './objects.ts';

interface Column {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}

interface Printer {
  columns: Column[];
  cells(obj: KObject, now: number): unknown[];
}

const nameCol: Column = {
  name: 'Name',
  type: 'string',
  format: 'name',
  description: 'Name must be unique within a namespace.',
  priority: 0,
};
const ageCol: Column = {
  name: 'Age',
  type: 'string',
  format: '',
  description: 'CreationTimestamp is a timestamp representing the server time when this object was created.',
  priority: 0,
};

function col(name: string, description: string, type = 'string'): Column {
  return { name, type, format: '', description, priority: 0 };
}

const PRINTERS: Record<string, Printer> = {
  '/Namespace': {
    columns: [nameCol, col('Status', 'The status of the namespace'), ageCol],
    cells: (o, now) => [o.metadata.name, field(o.status, 'phase') ?? '', age(o, now)],
  },
  'networking.k8s.io/NetworkPolicy': {
    columns: [nameCol, col('Pod-Selector', 'Pod selector applies to the pods it selects'), ageCol],
    cells: (o, now) => [o.metadata.name, formatLabelSelector(field(o.spec, 'podSelector')), age(o, now)],
  },
  '/Pod': {
    columns: [
      nameCol,
      col('Ready', 'The aggregate readiness state of this pod for accepting traffic.'),
      col('Status', 'The aggregate status of the containers in this pod.'),
      col('Restarts', 'The number of times the containers in this pod have been restarted.'),
      ageCol,
    ],
    cells: (o, now) => {
      const containers = field(o.spec, 'containers');
      const n = Array.isArray(containers) ? containers.length : 0;
      return [o.metadata.name, `0/${n}`, field(o.status, 'phase') ?? 'Pending', '0', age(o, now)];
    },
  },
};

/** Custom resources without printer columns print NAME and AGE, as for a CRD without additionalPrinterColumns. */
const DEFAULT_PRINTER: Printer = {
  columns: [nameCol, ageCol],
  cells: (o, now) => [o.metadata.name, age(o, now)],
};

function printerFor(k: KindDef): Printer {
  return PRINTERS[`${k.group}/${k.kind}`] ?? DEFAULT_PRINTER;
}

export type IncludeObject = 'None' | 'Metadata' | 'Object';

export function partialMetadata(obj: KObject): KObject {
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata };
}

export function toTable(
  k: KindDef,
  objects: readonly KObject[],
  listMeta: Record<string, unknown>,
  include: IncludeObject,
  withColumns = true,
): Record<string, unknown> {
  const p = printerFor(k);
  const now = Date.now();
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: listMeta,
    columnDefinitions: withColumns ? p.columns : [],
    rows: objects.map((o) => ({
      cells: p.cells(o, now),
      object: include === 'Object' ? o : include === 'None' ? null : partialMetadata(o),
    })),
  };
}

function field(v: unknown, key: string): unknown {
  return isObject(v) ? v[key] : undefined;
}

/** metav1.FormatLabelSelector. */
export function formatLabelSelector(sel: unknown): string {
  if (!isObject(sel)) return '<none>';
  const parts: string[] = [];
  const ml = sel.matchLabels;
  if (isObject(ml)) for (const k of Object.keys(ml).sort()) parts.push(`${k}=${String(ml[k])}`);
  const me = sel.matchExpressions;
  if (Array.isArray(me)) {
    for (const e of me) {
      if (!isObject(e)) continue;
      const values = Array.isArray(e.values) ? e.values.join(',') : '';
      const op = String(e.operator ?? '');
      if (op === 'In') parts.push(`${e.key} in (${values})`);
      else if (op === 'NotIn') parts.push(`${e.key} notin (${values})`);
      else if (op === 'Exists') parts.push(String(e.key));
      else if (op === 'DoesNotExist') parts.push(`!${e.key}`);
    }
  }
  return parts.length === 0 ? '<none>' : parts.join(',');
}

function age(o: KObject, now: number): string {
  const created = o.metadata.creationTimestamp;
  if (!created) return '<unknown>';
  return humanDuration(now - Date.parse(created));
}

/** k8s.io/apimachinery/pkg/util/duration.HumanDuration. */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 60 * 2) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 60 * 3) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${Math.floor(hours / 24)}d` : `${Math.floor(hours / 24)}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const d = Math.floor(hours / 24) % 365;
    return d === 0 ? `${Math.floor(hours / 24 / 365)}y` : `${Math.floor(hours / 24 / 365)}y${d}d`;
  }
  return `${Math.floor(hours / 24 / 365)}y`;
}
