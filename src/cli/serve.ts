// `netpol-exporter serve`: the exporter and its HTTP server, until SIGTERM or SIGINT; SIGHUP re-reads the web config.
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { Exporter } from '../exporter/exporter.ts';
import { createApp, createProbeApp, type Listening, listen } from '../http/server.ts';
import { ServingStats } from '../http/serving-stats.ts';
import { WebConfigGuard } from '../http/web-config.ts';
import { WebConfigError } from '../http/web-config-file.ts';
import { buildInfo } from '../support/build-info.ts';
import type { WatchSettings } from '../watch/watch-settings.ts';
import { namespaceContextOptions, type ServeConfig, UsageError } from './flags.ts';

export interface RunningExporter {
  exporter: Exporter;
  http: Listening;
  /** The --web.probe-listen-address listener, when there is one. */
  probes: Listening | undefined;
  stop(): Promise<void>;
}

export async function startExporter(
  config: ServeConfig,
  kc: KubeConfig,
  log: Logger,
  tuning: Pick<WatchSettings, 'backoff'> & { webConfigReloadMs?: number } = {},
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
  const watch: WatchSettings = {
    kc,
    log,
    pageSize: config.pageSize,
    stallTimeoutMs: config.stallTimeout,
    listTimeoutMs: config.listTimeout,
    ...(tuning.backoff ? { backoff: tuning.backoff } : {}),
  };
  const exporter = new Exporter({
    watch,
    build: buildInfo,
    namespaceContext: namespaceContextOptions(config, config.metricLabelsAllowlist),
    coverageSources: config.coverageSources,
    discoveryIntervalMs: config.discoveryInterval,
    podIsolation: config.podIsolation,
    exposure: config.exposure,
    internetFacing: config.internetFacing,
  });
  const stats = new ServingStats(webConfig);
  const maxConnectionsPerClient = config.maxConnectionsPerClient;
  const http = await listen(
    createApp(exporter, {
      telemetryPath: config.telemetryPath,
      log,
      version: buildInfo.version,
      stats,
    }),
    config.listenAddress.host,
    config.listenAddress.port,
    { ...(webConfig ? { webConfig } : {}), stats, maxConnectionsPerClient },
  ).catch((err: unknown) => {
    throw listenFailure(err, config.listenAddress) ?? err;
  });
  // Probes need few connections; a small cap keeps this listener cheap whoever reaches it.
  const probes = config.probeListenAddress
    ? await listen(
        createProbeApp(exporter, { log }),
        config.probeListenAddress.host,
        config.probeListenAddress.port,
        { stats, maxConnections: 64, maxConnectionsPerClient: Math.min(8, maxConnectionsPerClient) },
      ).catch(async (err: unknown) => {
        await http.close();
        throw (
          (config.probeListenAddress &&
            listenFailure(err, config.probeListenAddress, 'web.probe-listen-address')) ??
          err
        );
      })
    : undefined;
  exporter.start();
  const onHangup = reloadOnHangup(webConfig, log);
  process.on('SIGHUP', onHangup);
  log.info(
    {
      version: buildInfo.version,
      url: http.url,
      ...(probes ? { probeUrl: probes.url } : {}),
      server: kc.getCurrentCluster()?.server,
      tls: webConfig?.tls ?? false,
      basicAuth: (webConfig?.config.users.size ?? 0) > 0,
    },
    'netpol-exporter listening',
  );
  return {
    exporter,
    http,
    probes,
    stop: async () => {
      process.off('SIGHUP', onHangup);
      await Promise.all([exporter.stop(), http.close(), probes?.close()]);
    },
  };
}

/**
 * SIGHUP ends a Node process unless it is handled, and it comes from `systemctl reload`, `kill -HUP` and a terminal
 * that hangs up: the exporter keeps serving and re-reads the web config at once, as daemons do.
 */
function reloadOnHangup(webConfig: WebConfigGuard | undefined, log: Logger): () => void {
  return () => {
    if (!webConfig) {
      log.info({ signal: 'SIGHUP' }, 'nothing to reload (no --web.config.file); still serving');
      return;
    }
    log.info({ signal: 'SIGHUP', file: webConfig.path }, 're-reading the web config');
    webConfig.reload(true).catch((err: unknown) => log.error({ err }, 'web config reload failed'));
  };
}

/**
 * A listen error the user fixes with a flag (a taken port, a privileged one, an address this machine lacks) as one
 * line naming that flag (exit 2); anything else stays as it is.
 */
export function listenFailure(
  err: unknown,
  address: { host: string; port: number },
  flag = 'web.listen-address',
): UsageError | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  const host = address.host.includes(':') ? `[${address.host}]` : address.host;
  const shown = `${host}:${address.port}`;
  const why =
    code === 'EADDRINUSE'
      ? 'is already in use (another netpol-exporter or demo running?)'
      : code === 'EACCES'
        ? 'needs privileges this process lacks (ports below 1024)'
        : code === 'EADDRNOTAVAIL'
          ? 'is not an address of this machine'
          : undefined;
  if (!why) return undefined;
  return new UsageError(
    `cannot listen on ${shown}: it ${why}; choose another with --${flag} (127.0.0.1:0 picks a free port)`,
  );
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
