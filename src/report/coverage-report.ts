// The coverage report as a document: what `audit --output json` prints and what the status page's
// /api/v1/namespaces serves. Versioned: docs/coverage-report.schema.json describes schemaVersion 2 (version 1's
// fields with their meaning, plus the data's state, the one-word result, unknown protection and the policies behind
// each verdict); a field is only ever added within a version.
import type { CoverageState } from '../core/coverage-state.ts';
import { COMPLETE, type DataState, type DataStatus } from '../core/data-status.ts';
import {
  type DirectionReachability,
  isReachable,
  type NamespaceReachability,
  PEER_CLASSES,
  type PeerClass,
  widestClass,
} from '../core/exposure/peer-classes.ts';
import type { DirectionReachers, NamespaceReachers } from '../core/exposure/reachers.ts';
import { type EntryPoint, type InternetVia, objectText, viasOf } from '../core/internet-facing/classify.ts';
import {
  byName,
  isUnknown,
  type NamespaceRow,
  namespaceRow,
  passes,
  type RowContext,
  type RowSummary,
  summarize,
} from '../core/namespace-row.ts';
import type { NamespaceVerdict } from '../core/verdict.ts';

export const SCHEMA_VERSION = 2;

export type ReportOrigin =
  | { mode: 'cluster'; server: string }
  | { mode: 'manifests'; paths: string[] }
  | { mode: 'exporter'; ready: boolean };

export { COMPLETE, type DataState, type DataStatus } from '../core/data-status.ts';

/**
 * The one-word answer every output shows: `pass` only when the data is complete and nothing in scope is
 * uncovered; `unknown` or `incomplete` when the data is (`state`); `fail` when a namespace is uncovered for
 * certain; `unknown` when the only uncovered namespaces have policies that could not be judged.
 */
export type ReportResult = 'pass' | 'fail' | 'unknown' | 'incomplete';

/** Who can reach the namespace in one direction, as netpol_namespace_reachable says it (docs/exposure.md). */
export interface DirectionExposure {
  /** The classes known to be reachable, in exposition order. */
  reachable: PeerClass[];
  /** Some class could not be judged: `reachable` is then a lower bound. */
  unknown: boolean;
  /** The classes that could not be judged. */
  unknownClasses: PeerClass[];
  /** The widest class known to be reachable; null when none is. */
  widest: PeerClass | null;
  /** For each reachable class, what opens it (`NetworkPolicy/<name>`, `AdminNetworkPolicy/<name>`, ...). */
  openedBy: Partial<Record<PeerClass, string[]>>;
  /** A default deny for the direction undone by an allow-all policy beside it. */
  denyUndone: boolean;
  /**
   * The names behind `other_namespaces`: the namespaces that exist now and can reach it (ingress) or that it can
   * reach (egress), each with what opens the way, and those that could not be judged; capped, with counts past
   * the cap. Present where names are asked for (`/api/v1/namespaces`, the namespace page, the audit JSON).
   */
  otherNamespaces?: OtherNamespaceNames;
}

export interface OtherNamespaceNames {
  reachable: { namespace: string; openedBy: string[] }[];
  /** How many more can, past the cap. */
  more: number;
  /** Namespaces for which it could not be judged: they may. */
  unknown: string[];
  unknownMore: number;
}

const namesOf = (r: DirectionReachers): OtherNamespaceNames => ({
  reachable: r.namespaces.map((n) => ({ namespace: n.namespace, openedBy: [...n.openedBy] })),
  more: r.more,
  unknown: [...r.unknown],
  unknownMore: r.unknownMore,
});

export interface NamespaceExposure {
  ingress: DirectionExposure;
  egress: DirectionExposure;
}

function directionExposure(r: DirectionReachability, names?: DirectionReachers): DirectionExposure {
  const reachable = PEER_CLASSES.filter((c) => isReachable(r, c));
  const unknownClasses = PEER_CLASSES.filter((c) => r.classes[c] === 'unknown');
  return {
    reachable,
    unknown: unknownClasses.length > 0,
    unknownClasses,
    widest: widestClass(r) ?? null,
    openedBy: Object.fromEntries(reachable.map((c) => [c, [...r.openedBy[c]]])),
    denyUndone: r.denyUndone,
    ...(names ? { otherNamespaces: namesOf(names) } : {}),
  };
}

/** The row with the names behind other_namespaces added to its exposure (where it has one), as exposureOf adds them. */
export function withOtherNamespaces(
  row: ReportNamespace,
  names: NamespaceReachers | undefined,
): ReportNamespace {
  const e = row.exposure;
  if (!names || !e) return row;
  return {
    ...row,
    exposure: {
      ingress: { ...e.ingress, otherNamespaces: namesOf(names.ingress) },
      egress: { ...e.egress, otherNamespaces: namesOf(names.egress) },
    },
  };
}

/** A namespace's reachability as the report carries it, with the names behind other_namespaces when given. */
export const exposureOf = (r: NamespaceReachability, names?: NamespaceReachers): NamespaceExposure => ({
  ingress: directionExposure(r.ingress, names?.ingress),
  egress: directionExposure(r.egress, names?.egress),
});

/** One way the outside reaches a namespace: the object that opens it and the rule that decided. */
export interface InternetEntry {
  via: InternetVia;
  /** `Kind namespace/name` (a route may live in another namespace than the one it exposes). */
  object: string;
  rule: string;
  /** Manifests mode: `file:line` of the object. */
  location?: string;
}

/** Whether the internet reaches a namespace, as netpol_namespace_internet_facing says it (docs/internet-facing.md). */
export interface NamespaceInternetFacing {
  /** The distinct ways in, in the metric's order; empty when none. */
  vias: InternetVia[];
  entryPoints: InternetEntry[];
}

/** A namespace's entry points as the report carries them; `locations` maps `Kind namespace/name` to file:line. */
export function internetFacingOf(
  entries: readonly EntryPoint[],
  locations?: ReadonlyMap<string, string>,
): NamespaceInternetFacing {
  return {
    vias: viasOf(entries),
    entryPoints: entries.map((e) => {
      const object = objectText(e.object);
      const location = locations?.get(object);
      return { via: e.via, object, rule: e.rule, ...(location ? { location } : {}) };
    }),
  };
}

export interface ReportNamespace extends NamespaceRow {
  /** Exporter mode: when its verdict was last recomputed (or first listed), ISO 8601. */
  changedAt?: string;
  /** Manifests mode: `file:line` where the namespace is declared (or first referenced). */
  location?: string;
  /** Who can reach it, when reachability is computed (the exporter with --exposure, and the audit). */
  exposure?: NamespaceExposure;
  /** What opens it to the internet, when Services, Ingresses and routes were read. */
  internetFacing?: NamespaceInternetFacing;
  /** Manifests mode without --whole-cluster, where it matters: what the input cannot rule out here. */
  openWorld?: NamespaceOpenWorld;
}

/** What a namespace's answers leave open because the input is part of a cluster, not all of it. */
export interface NamespaceOpenWorld {
  /** Objects here that may make pods the input does not declare (`Prometheus k8s (file:line): why`). */
  possiblePods: string[];
  /** NetworkPolicies that select none of the declared workloads but may select those pods: dangling unknown. */
  danglingUnknown: string[];
  /** Selectors of the namespace's policies (`kubectl` form) that a namespace the input does not declare may match. */
  undeclaredPeers: string[];
}

export interface CoverageReport {
  schemaVersion: typeof SCHEMA_VERSION;
  tool: { name: 'netpol-exporter'; version: string };
  generatedAt: string;
  /** Where the data came from: a cluster, manifest files, or the exporter's own cache. */
  source: ReportOrigin;
  /** True only when `result` is `pass`: complete data and no namespace in scope uncovered. */
  passed: boolean;
  result: ReportResult;
  /** How complete the data is; `stateReasons` says what is missing. */
  state: DataState;
  stateReasons: string[];
  summary: RowSummary;
  namespaces: ReportNamespace[];
  /** With `audit --fail-on-exposure=CLASS`: the namespaces reachable from that class (ingress). */
  exposureCheck?: ExposureCheck;
}

/**
 * `--fail-on-exposure=CLASS`: in-scope namespaces (neither exempt, excluded nor Terminating, as the alert skips
 * them) whose ingress is reachable from the class, and those for which that could not be judged. Passes only when
 * both lists are empty: a class that could not be judged is not a pass.
 */
export interface ExposureCheck {
  failOn: PeerClass;
  passed: boolean;
  reachable: string[];
  unknown: string[];
}

/** What a row may also show, when the caller knows it: the pods (for dangling policies). */
export interface RowSources {
  /** NetworkPolicies of the namespace that select none of its pods; undefined when its pods are not known. */
  dangling?: (name: string) => readonly string[] | undefined;
  /** Who can reach a namespace; undefined when reachability is not computed. */
  exposure?: (name: string) => NamespaceReachability | undefined;
  /** The names behind other_namespaces (reachers.ts), for the namespaces they are asked for. */
  reachers?: (name: string) => NamespaceReachers | undefined;
  /** What opens a namespace to the internet; undefined when not read. */
  internetFacing?: (name: string) => NamespaceInternetFacing | undefined;
  /** What the open world leaves unknown in the namespace, from its row so far (the audit of manifests). */
  openWorld?: (row: ReportNamespace) => NamespaceOpenWorld | undefined;
}

/** One namespace's row: the one place where verdicts become rows. */
function rowOf(
  state: CoverageState,
  verdict: NamespaceVerdict,
  contextOf: ((name: string) => RowContext | undefined) | undefined,
  sources: RowSources,
): ReportNamespace {
  const dangling = sources.dangling?.(verdict.name);
  const base = namespaceRow(verdict, contextOf?.(verdict.name), {
    networkPolicies: state.policiesIn(verdict.name),
    sourcePolicies: state.sourcePoliciesFor(verdict.name),
    ...(dangling ? { dangling } : {}),
  });
  const reachability = sources.exposure?.(verdict.name);
  const internetFacing = sources.internetFacing?.(verdict.name);
  const row: ReportNamespace = {
    ...base,
    ...(reachability ? { exposure: exposureOf(reachability, sources.reachers?.(verdict.name)) } : {}),
    ...(internetFacing ? { internetFacing } : {}),
  };
  const openWorld = sources.openWorld?.(row);
  return openWorld ? { ...row, openWorld } : row;
}

/**
 * Every namespace's row, by name. `contextOf` gives a namespace's exemption and scope as of now (the exporter's
 * tracker, or the audit's own rules); without it nothing is exempt or excluded.
 */
export function rowsFrom(
  state: CoverageState,
  contextOf?: (name: string) => RowContext | undefined,
  sources: RowSources = {},
): ReportNamespace[] {
  return [...state.allVerdicts()].map((verdict) => rowOf(state, verdict, contextOf, sources)).sort(byName);
}

/**
 * The rows of rowsFrom, in the same order, made one at a time each time they are iterated, and held by no one: at
 * 24,000 namespaces the rows are tens of megabytes, and an output written as it goes needs one row at a time.
 */
export function lazyRows(
  state: CoverageState,
  contextOf?: (name: string) => RowContext | undefined,
  sources: RowSources = {},
): Iterable<ReportNamespace> {
  const names = [...state.allVerdicts()].map((v) => v.name).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return {
    *[Symbol.iterator]() {
      for (const name of names) {
        const verdict = state.verdict(name);
        if (verdict) yield rowOf(state, verdict, contextOf, sources);
      }
    },
  };
}

function resultOf(data: DataStatus, rows: readonly NamespaceRow[], summary: RowSummary): ReportResult {
  if (data.state !== 'complete') return data.state;
  if (passes(summary)) return 'pass';
  return rows.some((row) => row.verdict === 'uncovered' && !isUnknown(row)) ? 'fail' : 'unknown';
}

export function coverageReport(options: {
  rows: ReportNamespace[];
  source: ReportOrigin;
  version: string;
  now: Date;
  locations?: Map<string, string>;
  /** How complete the data is; complete when omitted (an audit reads everything once, or fails). */
  data?: DataStatus;
}): CoverageReport {
  const namespaces: ReportNamespace[] = options.rows.map((row) => {
    const location = options.locations?.get(row.name);
    return location === undefined ? row : { ...row, location };
  });
  const summary = summarize(namespaces);
  const data = options.data ?? COMPLETE;
  return { ...reportHead(options, resultOf(data, namespaces, summary), data), summary, namespaces };
}

/** What every report begins with, whichever way its rows are made. */
function reportHead(
  options: { source: ReportOrigin; version: string; now: Date },
  result: ReportResult,
  data: DataStatus,
): Omit<CoverageReport, 'summary' | 'namespaces' | 'exposureCheck'> {
  return {
    schemaVersion: SCHEMA_VERSION,
    tool: { name: 'netpol-exporter', version: options.version },
    generatedAt: options.now.toISOString(),
    source: options.source,
    passed: result === 'pass',
    result,
    state: data.state,
    stateReasons: [...data.reasons],
  };
}

/** A report whose namespaces may be made as they are read (lazyRows): iterated once per pass, each time anew. */
export interface StreamedReport extends Omit<CoverageReport, 'namespaces'> {
  namespaces: Iterable<ReportNamespace>;
}

/**
 * The report of coverageReport over rows that are not held: one pass makes the summary, the result and (with
 * `failOn`) the --fail-on-exposure check; the writers make the rows again as they write them.
 */
export function streamedReport(options: {
  rows: Iterable<ReportNamespace>;
  /**
   * Rows enough for the summary and the result, when cheaper to make than `rows` (without what only the writers
   * show: reachability, what faces the internet); with `failOn` they must carry reachability, for the check.
   */
  summaryRows?: Iterable<ReportNamespace>;
  source: ReportOrigin;
  version: string;
  now: Date;
  locations?: Map<string, string>;
  failOn?: PeerClass | undefined;
}): StreamedReport {
  const { rows, locations } = options;
  const namespaces: Iterable<ReportNamespace> = locations
    ? {
        *[Symbol.iterator]() {
          for (const row of rows) {
            const location = locations.get(row.name);
            yield location === undefined ? row : { ...row, location };
          }
        },
      }
    : rows;
  let failing = false;
  const check = options.failOn ? exposureChecker(options.failOn) : undefined;
  const summaryRows = options.summaryRows ?? namespaces;
  const summary = summarize(
    (function* () {
      for (const row of summaryRows) {
        if (row.verdict === 'uncovered' && !isUnknown(row)) failing = true;
        check?.add(row);
        yield row;
      }
    })(),
  );
  const result: ReportResult = passes(summary) ? 'pass' : failing ? 'fail' : 'unknown';
  return {
    ...reportHead(options, result, COMPLETE),
    summary,
    namespaces,
    ...(check ? { exposureCheck: check.result() } : {}),
  };
}

const inExposureScope = (ns: ReportNamespace) =>
  ns.verdict !== 'exempt' && ns.verdict !== 'excluded' && ns.phase !== 'Terminating';

/** The --fail-on-exposure check over a report's namespaces (a namespace without exposure data is unknown). */
export function exposureCheck(namespaces: Iterable<ReportNamespace>, failOn: PeerClass): ExposureCheck {
  const check = exposureChecker(failOn);
  for (const ns of namespaces) check.add(ns);
  return check.result();
}

/** The check as namespaces go by: `add` each, then the `result`. */
function exposureChecker(failOn: PeerClass) {
  const reachable: string[] = [];
  const unknown: string[] = [];
  return {
    add(ns: ReportNamespace): void {
      if (!inExposureScope(ns)) return;
      const ingress = ns.exposure?.ingress;
      if (ingress?.reachable.includes(failOn)) reachable.push(ns.name);
      else if (!ingress || ingress.unknownClasses.includes(failOn)) unknown.push(ns.name);
    },
    result: (): ExposureCheck => ({
      failOn,
      passed: reachable.length === 0 && unknown.length === 0,
      reachable,
      unknown,
    }),
  };
}

/** The widest class a namespace is reachable from (ingress), marked when some class could not be judged. */
export function reachableFromText(exposure: NamespaceExposure | undefined): string {
  if (!exposure) return '-';
  const { widest, unknown } = exposure.ingress;
  const word = widest ?? 'none';
  return unknown ? `${word} (unknown)` : word;
}

/** The result as the outputs print it, with why when it is not a plain pass or fail. */
export function resultLine(report: Pick<CoverageReport, 'result' | 'state' | 'summary' | 'stateReasons'>): {
  word: string;
  why: string;
} {
  const word = report.result.toUpperCase();
  if (report.result === 'unknown' && report.state === 'complete')
    return {
      word,
      why: `${report.summary.unknown} uncovered namespace${report.summary.unknown === 1 ? '' : 's'} with policies that could not be judged`,
    };
  return { word, why: report.stateReasons.join('; ') };
}
