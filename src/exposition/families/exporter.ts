// The exporter's own metric families: build, cache sync, watch health and staleness, restarts, events, requests,
// and the state of each optional policy source. Rendered once per scrape from what the parts report.
import { type ExtraSource, SOURCE_STATES, type SourceState } from '../../core/sources/index.ts';
import type { BuildInfo } from '../../support/build-info.ts';
import type { Family, Sample } from '../family.ts';

export type { BuildInfo };

/** What the exporter's families read of one watch (src/watch/watch-status.ts has this shape). */
export interface WatchHealth {
  readonly resource: string;
  readonly synced: boolean;
  readonly up: boolean;
  staleSeconds(): number;
  readonly restarts: ReadonlyMap<string, number>;
  readonly events: ReadonlyMap<string, number>;
  /** Keyed `verb code`. */
  readonly requests: ReadonlyMap<string, number>;
}

export interface SourceStatusRow {
  source: ExtraSource;
  state: SourceState;
}

/** The exporter as its own families see it at scrape time. */
export interface ExporterSelf {
  build: BuildInfo;
  watches: readonly WatchHealth[];
  sources: readonly SourceStatusRow[];
  /** Namespaces whose allow-listed labels were cut to --metric-labels-limit. */
  labelsTruncated?: number;
}

function perResource(self: ExporterSelf, value: (s: WatchHealth) => number): Sample[] {
  return self.watches.map((s) => ({ labels: [['resource', s.resource]], value: value(s) }));
}

function perKey(self: ExporterSelf, counts: (s: WatchHealth) => ReadonlyMap<string, number>, label: string) {
  return self.watches.flatMap((s) =>
    [...counts(s)].map(([key, value]) => ({
      labels: [
        ['resource', s.resource],
        [label, key],
      ] as const,
      value,
    })),
  );
}

export const exporterFamilies: Family<ExporterSelf>[] = [
  {
    name: 'netpol_exporter_build_info',
    help: 'Build information of netpol-exporter; always 1.',
    type: 'gauge',
    labels: ['version', 'revision', 'nodejs_version'],
    samples: ({ build }) => [
      {
        labels: [
          ['version', build.version],
          ['revision', build.revision],
          ['nodejs_version', process.version],
        ],
        value: 1,
      },
    ],
  },
  {
    name: 'netpol_exporter_cache_synced',
    help: '1 once the cache has listed the resource completely, else 0.',
    type: 'gauge',
    labels: ['resource'],
    samples: (self) => perResource(self, (s) => (s.synced ? 1 : 0)),
  },
  {
    name: 'netpol_exporter_watch_up',
    help: '1 while the watch delivers: an event or bookmark within the stall timeout and no failure since, else 0.',
    type: 'gauge',
    labels: ['resource'],
    samples: (self) => perResource(self, (s) => (s.up ? 1 : 0)),
  },
  {
    name: 'netpol_exporter_cache_stale_seconds',
    help: '0 while the watch is up; else seconds since it was last up (or since start).',
    type: 'gauge',
    labels: ['resource'],
    doc: 'How old the data of the resource may be.',
    samples: (self) => perResource(self, (s) => s.staleSeconds()),
  },
  {
    name: 'netpol_exporter_watch_restarts_total',
    help: 'Watch restarts after an end or an error, by reason.',
    type: 'counter',
    labels: ['resource', 'reason'],
    doc: '`reason`: `closed`, `stalled`, `gone` (410, relist), `resource_version_too_large` (the API server has gone back in time, as after an etcd restore: relist), `line_too_long` (a watch line past 4 MiB: relist), `wrong_kind` (an event object of another kind than watched: relist), `list_timeout` (a list page took longer than `--watch.list-timeout`), `unauthorized`, `forbidden`, `throttled`, `server_error`, `connection`, `other`.',
    samples: (self) => perKey(self, (s) => s.restarts, 'reason'),
  },
  {
    name: 'netpol_exporter_events_total',
    help: 'Watch events handled, by type.',
    type: 'counter',
    labels: ['resource', 'type'],
    doc: '`type`: `added`, `modified`, `deleted`, `bookmark`.',
    samples: (self) => perKey(self, (s) => s.events, 'type'),
  },
  {
    name: 'netpol_exporter_api_requests_total',
    help: 'Requests made to the Kubernetes API server, by verb and HTTP status (error when none came back).',
    type: 'counter',
    labels: ['resource', 'verb', 'code'],
    samples: (self) =>
      self.watches.flatMap((s) =>
        [...s.requests].map(([key, value]) => {
          const [verb = '', code = ''] = key.split(' ');
          return {
            labels: [
              ['resource', s.resource],
              ['verb', verb],
              ['code', code],
            ] as const,
            value,
          };
        }),
      ),
  },
  {
    name: 'netpol_exporter_source_status',
    help: 'Optional policy sources: 1 for the current state (watching, not_served by the API server, forbidden by RBAC), 0 for the others.',
    type: 'gauge',
    labels: ['source', 'state'],
    doc: 'One series per optional source and state: `watching`, `not_served`, `forbidden`.',
    samples: ({ sources }) =>
      sources.flatMap((row) =>
        SOURCE_STATES.map((state) => ({
          labels: [
            ['source', row.source],
            ['state', state],
          ],
          value: row.state === state ? 1 : 0,
        })),
      ),
  },
  {
    name: 'netpol_exporter_namespace_labels_truncated',
    help: 'Namespaces with more allow-listed labels than --metric-labels-limit; netpol_namespace_labels leaves the rest out.',
    type: 'gauge',
    labels: [],
    samples: ({ labelsTruncated }) => [{ labels: [], value: labelsTruncated ?? 0 }],
  },
];

/** What the HTTP edge reports about itself (src/http/serving-stats.ts fills it). */
export interface ServingStatus {
  /** Requests and connections refused so far, by reason; every reason is present, 0 until it happens. */
  refused: ReadonlyMap<string, number>;
  /** Per reason, 1 while the web config file on disk is refused for it; undefined without --web.config.file. */
  webConfigReloadRefused: ReadonlyMap<string, number> | undefined;
}

/** Rendered by the HTTP edge after the exporter's own pieces. */
export const servingFamilies: Family<ServingStatus>[] = [
  {
    name: 'netpol_exporter_http_refused_total',
    help: 'Requests and connections the HTTP server refused, by reason.',
    type: 'counter',
    labels: ['reason'],
    samples: (status) =>
      [...status.refused].map(([reason, value]) => ({ labels: [['reason', reason]], value })),
  },
  {
    name: 'netpol_exporter_web_config_reload_refused',
    help: '1 while the changed web config file is not applied, by reason; the previous settings stay in force.',
    type: 'gauge',
    labels: ['reason'],
    doc: 'Only with `--web.config.file`. `reason="lowers_protection"`: the new file would turn off TLS or authentication the process runs with; only a restart can lower protection.',
    samples: (status) =>
      [...(status.webConfigReloadRefused ?? [])].map(([reason, value]) => ({
        labels: [['reason', reason]],
        value,
      })),
  },
];
