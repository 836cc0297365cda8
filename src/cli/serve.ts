// `netpol-exporter serve`: the exporter and its HTTP server, until SIGTERM or SIGINT.
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { Exporter, type ExporterOptions } from '../exporter/exporter.ts';
import { createApp, type Listening, listen } from '../http/server.ts';
import { WebConfigError, WebConfigGuard } from '../http/web-config.ts';
import { buildInfo } from '../support/build-info.ts';
import { namespaceContextOptions, type ServeConfig, UsageError } from './flags.ts';

export interface RunningExporter {
  exporter: Exporter;
  http: Listening;
  stop(): Promise<void>;
}

export async function startExporter(
  config: ServeConfig,
  kc: KubeConfig,
  log: Logger,
  tuning: Pick<ExporterOptions, 'backoff'> & { webConfigReloadMs?: number } = {},
): Promise<RunningExporter> {
  // Checked before anything starts: a bad web config is a usage error (exit 2), never an open endpoint.
  const webConfig = config.webConfigFile
    ? await WebConfigGuard.load(config.webConfigFile, {
        log,
        ...(tuning.webConfigReloadMs ? { reloadIntervalMs: tuning.webConfigReloadMs } : {}),
      }).catch((err: unknown) => {
        throw err instanceof WebConfigError ? new UsageError(`--web.config.file: ${err.message}`) : err;
      })
    : undefined;
  const exporter = new Exporter({
    kc,
    log,
    build: buildInfo,
    pageSize: config.pageSize,
    stallTimeoutMs: config.stallTimeout,
    namespaceContext: namespaceContextOptions(config, config.metricLabelsAllowlist),
    coverageSources: config.coverageSources,
    discoveryIntervalMs: config.discoveryInterval,
    podIsolation: config.podIsolation,
    exposure: config.exposure,
    ...(tuning.backoff ? { backoff: tuning.backoff } : {}),
  });
  const http = await listen(
    createApp(exporter, { telemetryPath: config.telemetryPath, log }),
    config.listenAddress.host,
    config.listenAddress.port,
    webConfig ? { webConfig } : {},
  );
  exporter.start();
  log.info(
    {
      version: buildInfo.version,
      url: http.url,
      server: kc.getCurrentCluster()?.server,
      tls: webConfig?.tls ?? false,
      basicAuth: (webConfig?.config.users.size ?? 0) > 0,
    },
    'netpol-exporter listening',
  );
  return {
    exporter,
    http,
    stop: async () => {
      await Promise.all([exporter.stop(), http.close()]);
    },
  };
}

/** Stops cleanly on SIGTERM/SIGINT with exit code 0; a stop that hangs is cut off after 5 seconds. */
export function stopOnSignals(stop: () => Promise<void>, log: Logger): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    setTimeout(() => {
      log.warn('shutdown took longer than 5 s; exiting');
      process.exit(0);
    }, 4_500).unref();
    stop().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, 'error while shutting down');
        process.exit(0);
      },
    );
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
}
