// Entry point of a baseline child process: `serve.js --kind=obvious|list-on-scrape --kubeconfig=PATH`.
// Served by the exporter's own HTTP edge (same express app, same gzip), so only the metrics source differs.

import { loadKubeConfig } from '../../src/cli/kubeconfig.ts';
import { createApp, listen } from '../../src/http/server.ts';
import { createLogger } from '../../src/support/log.ts';
import { ListOnScrapeExporter } from './list-on-scrape.ts';
import { ObviousExporter } from './obvious.ts';

const args = Object.fromEntries(
  process.argv.slice(2).map((a) => {
    const [k = '', ...v] = a.replace(/^--/, '').split('=');
    return [k, v.join('=')];
  }),
);
const log = createLogger('info', 'logfmt');
const kc = loadKubeConfig(args.kubeconfig ?? '', '');
const pageSize = Number(args['page-size'] ?? 500);
const source =
  args.kind === 'list-on-scrape'
    ? new ListOnScrapeExporter(kc, pageSize)
    : new ObviousExporter({ kc, log, pageSize });
const http = await listen(
  createApp(source, { telemetryPath: '/metrics', log, version: 'baseline' }),
  '127.0.0.1',
  0,
);
if (source instanceof ObviousExporter) source.start();
log.info({ kind: args.kind, url: http.url }, 'baseline listening');
process.once('SIGTERM', () => process.exit(0));
