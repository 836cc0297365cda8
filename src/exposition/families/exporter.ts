// The exporter's own metric families: build, cache sync, watch health and staleness, restarts, events, requests.
import type { WatchStatus } from '../../watch/watch-status.ts';
import type { Family, Sample } from '../family.ts';

export interface BuildInfo {
  version: string;
  revision: string;
}

function perResource(statuses: WatchStatus[], value: (s: WatchStatus) => number): Sample[] {
  return statuses.map((s) => ({ labels: [['resource', s.resource]], value: value(s) }));
}

function perKey<K extends string>(
  statuses: WatchStatus[],
  counts: (s: WatchStatus) => Map<K, number>,
  label: string,
) {
  return statuses.flatMap((s) =>
    [...counts(s)].map(([key, value]) => ({
      labels: [
        ['resource', s.resource],
        [label, key],
      ] as const,
      value,
    })),
  );
}

export function exporterFamilies(build: BuildInfo): Family<WatchStatus[]>[] {
  return [
    {
      name: 'netpol_exporter_build_info',
      help: 'Build information of netpol-exporter; always 1.',
      type: 'gauge',
      samples: () => [
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
      samples: (statuses) => perResource(statuses, (s) => (s.synced ? 1 : 0)),
    },
    {
      name: 'netpol_exporter_watch_up',
      help: '1 while the watch on the resource is connected, else 0.',
      type: 'gauge',
      samples: (statuses) => perResource(statuses, (s) => (s.up ? 1 : 0)),
    },
    {
      name: 'netpol_exporter_cache_stale_seconds',
      help: '0 while the watch is up; else seconds since it was last up (or since start).',
      type: 'gauge',
      samples: (statuses) => perResource(statuses, (s) => s.staleSeconds()),
    },
    {
      name: 'netpol_exporter_watch_restarts_total',
      help: 'Watch restarts after an end or an error, by reason.',
      type: 'counter',
      samples: (statuses) => perKey(statuses, (s) => s.restarts, 'reason'),
    },
    {
      name: 'netpol_exporter_events_total',
      help: 'Watch events handled, by type.',
      type: 'counter',
      samples: (statuses) => perKey(statuses, (s) => s.events, 'type'),
    },
    {
      name: 'netpol_exporter_api_requests_total',
      help: 'Requests made to the Kubernetes API server, by verb and HTTP status (error when none came back).',
      type: 'counter',
      samples: (statuses) =>
        statuses.flatMap((s) =>
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
  ];
}

/** What the HTTP edge reports about itself (src/http/serving-stats.ts fills it). */
export interface ServingStatus {
  /** Requests and connections refused so far, by reason; every reason is present, 0 until it happens. */
  refused: ReadonlyMap<string, number>;
  /** Per reason, 1 while the web config file on disk is refused for it; undefined without --web.config.file. */
  webConfigReloadRefused: ReadonlyMap<string, number> | undefined;
}

export const servingFamilies: Family<ServingStatus>[] = [
  {
    name: 'netpol_exporter_http_refused_total',
    help: 'Requests and connections the HTTP server refused, by reason.',
    type: 'counter',
    samples: (status) =>
      [...status.refused].map(([reason, value]) => ({ labels: [['reason', reason]], value })),
  },
  {
    name: 'netpol_exporter_web_config_reload_refused',
    help: '1 while the changed web config file is not applied, by reason; the previous settings stay in force.',
    type: 'gauge',
    samples: (status) =>
      [...(status.webConfigReloadRefused ?? [])].map(([reason, value]) => ({
        labels: [['reason', reason]],
        value,
      })),
  },
];
