// End-to-end test helpers around a real Prometheus and Alertmanager. The processes themselves are started by
// scripts/prometheus.ts (shared with `npm run stack`); this file adds what only tests need: a webhook receiver that
// records Alertmanager's notifications, a static scrape target, and checks that every recording rule and every
// dashboard query returns data.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { rulesPath } from '../../deploy/rules/generate.ts';
import { queries, variableQueries } from '../../grafana/queries.ts';
import { expandVariables } from '../../grafana/variables.ts';
import { type Prometheus, type Sample, type Stoppable, waitFor } from '../../scripts/prometheus.ts';

export {
  Alertmanager,
  type AlertmanagerAlert,
  freePort,
  Prometheus,
  type PrometheusAlert,
  type PrometheusOptions,
  type Sample,
  type Stoppable,
  waitFor,
  withAlertFor,
} from '../../scripts/prometheus.ts';

const host = '127.0.0.1';

// ---------------------------------------------------------------------------------------------------------------
// What the rules and the dashboard return

/** When a query's answer counts as complete: by default, one series at all; a fleet waits for every cluster. */
export type Complete = (samples: Sample[]) => boolean;
const anySeries: Complete = (samples) => samples.length > 0;

/** Waits until every recording rule of the bundled rules file returns at least one series; returns them by name. */
export async function recordingRuleResults(
  prometheus: Prometheus,
  complete: Complete = anySeries,
): Promise<Map<string, Sample[]>> {
  const records = [...readFileSync(rulesPath, 'utf8').matchAll(/- record: (\S+)/g)].map(
    (m) => m[1] as string,
  );
  if (records.length === 0) throw new Error(`no recording rule found in ${rulesPath}`);
  const results = new Map<string, Sample[]>();
  for (const record of records) results.set(record, await nonEmpty(prometheus, record, record, complete));
  return results;
}

/**
 * Waits until every dashboard query (variables expanded as Grafana's "All" would) returns at least one series,
 * and every template variable finds values; returns the query results by panel query name.
 */
export async function dashboardQueryResults(
  prometheus: Prometheus,
  complete: Complete = anySeries,
): Promise<Map<string, Sample[]>> {
  const results = new Map<string, Sample[]>();
  for (const [name, expr] of Object.entries(queries)) {
    results.set(name, await nonEmpty(prometheus, expandVariables(expr), `dashboard query ${name}`, complete));
  }
  for (const [name, q] of Object.entries(variableQueries)) {
    const selector = /^label_values\((.*),\s*(\w+)\)$/.exec(q);
    if (!selector) throw new Error(`variable ${name}: not label_values(selector, label): ${q}`);
    const [, series, label] = selector as unknown as [string, string, string];
    await waitFor(`values of dashboard variable ${name}`, async () => {
      const r = await prometheus.query(expandVariables(series));
      return r.some((s) => s.metric[label] !== undefined) ? true : undefined;
    });
  }
  return results;
}

async function nonEmpty(
  prometheus: Prometheus,
  promql: string,
  what: string,
  complete: Complete,
): Promise<Sample[]> {
  return waitFor(`${what}: ${promql}`, async () => {
    const r = await prometheus.query(promql);
    return complete(r) ? r : undefined;
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Webhook receiver and a static scrape target

export interface NotifiedAlert {
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface Notification {
  status: 'firing' | 'resolved';
  receiver: string;
  alerts: NotifiedAlert[];
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return (server.address() as AddressInfo).port;
}

async function close(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** Records every Alertmanager webhook notification it receives. */
export class WebhookReceiver implements Stoppable {
  private constructor(
    readonly url: string,
    private readonly server: Server,
    /** Every notification received so far, in arrival order. */
    readonly notifications: Notification[],
  ) {}

  static async start(): Promise<WebhookReceiver> {
    const notifications: Notification[] = [];
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        try {
          notifications.push(JSON.parse(Buffer.concat(chunks).toString()) as Notification);
          res.writeHead(200).end();
        } catch {
          res.writeHead(400).end();
        }
      });
    });
    const port = await listen(server);
    return new WebhookReceiver(`http://${host}:${port}/`, server, notifications);
  }

  /** Every alert received so far, in arrival order. */
  get alerts(): NotifiedAlert[] {
    return this.notifications.flatMap((n) => n.alerts);
  }

  /** Waits for a received alert matching `match`. */
  waitForAlert(match: (a: NotifiedAlert) => boolean, timeoutMs = 60_000): Promise<NotifiedAlert> {
    return waitFor('an Alertmanager notification', async () => this.alerts.find(match), timeoutMs);
  }

  stop(): Promise<void> {
    return close(this.server);
  }
}

/** Serves fixed exposition text at /metrics: a stand-in scrape target until the real exporter takes its place. */
export class StaticExporter implements Stoppable {
  private constructor(
    readonly address: string,
    private readonly server: Server,
    private text: string,
  ) {}

  static async start(text: string): Promise<StaticExporter> {
    let current: StaticExporter | undefined;
    const server = createServer((req, res) => {
      if (req.url?.startsWith('/metrics')) {
        res
          .writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' })
          .end(current?.text ?? '');
      } else {
        res.writeHead(404).end();
      }
    });
    const port = await listen(server);
    current = new StaticExporter(`${host}:${port}`, server, text);
    return current;
  }

  /** Replaces the text served from the next scrape on. */
  serve(text: string): void {
    this.text = text;
  }

  stop(): Promise<void> {
    return close(this.server);
  }
}
