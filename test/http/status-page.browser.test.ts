// The status page in a real headless Chromium (Debian's, driven by playwright-core), against an in-process exporter
// watching the simulator: what a person opening `/` sees, on a desktop and on a phone.
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SimulatedCluster } from '@netpol-exporter/kube-sim';
import { expect } from 'chai';
import { type Browser, chromium, type Page } from 'playwright-core';
import type { CoverageReport } from '../../src/report/coverage-report.ts';
import { exporterFor, ROOT, type TestExporter } from '../helpers/exporter.ts';
import { eventually, parseExposition } from '../helpers/exposition.ts';
import { validate } from '../helpers/json-schema.ts';

const ARTIFACTS = join(ROOT, 'test-artifacts');
// Within the default --exemption.max-duration (365 days), or the exemption would be malformed.
const EXPIRES = new Date(Date.now() + 60 * 86_400_000).toISOString().slice(0, 10);
const HOSTILE_OWNER = '<script>alert("owned")</script> & \'team\'';

const namespace = (name: string, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: { name, ...extra },
});
const policy = (ns: string, name: string, spec: Record<string, unknown>) => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: { name, namespace: ns },
  spec,
});
const service = (ns: string, name: string, spec: Record<string, unknown>) => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: ns },
  spec: { selector: { app: name }, ports: [{ port: 80 }], ...spec },
});
const ingress = (ns: string, name: string) => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'Ingress',
  metadata: { name, namespace: ns },
  spec: { defaultBackend: { service: { name, port: { number: 80 } } } },
});

/** The summary as /metrics implies it: covered first, then excluded, then exempt (the page's precedence). */
function countsFromMetrics(text: string): Record<string, number> {
  const series = parseExposition(text);
  const value = (family: string, ns: string) => series.get(`${family}{namespace="${ns}"}`) ?? 0;
  const counts = { covered: 0, uncovered: 0, exempt: 0, excluded: 0 };
  for (const key of series.keys()) {
    const m = /^netpol_namespace_covered\{namespace="([^"]+)"\}$/.exec(key);
    if (!m?.[1]) continue;
    const ns = m[1];
    if (value('netpol_namespace_covered', ns) === 1) counts.covered++;
    else if (value('netpol_namespace_excluded', ns) === 1) counts.excluded++;
    else if (value('netpol_namespace_exempt', ns) === 1) counts.exempt++;
    else counts.uncovered++;
  }
  return counts;
}

async function summaryOnPage(page: Page): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const key of ['covered', 'uncovered', 'exempt', 'excluded'])
    counts[key] = Number(await page.locator(`[data-summary="${key}"] .n`).textContent());
  return counts;
}

const rowNames = (page: Page) =>
  page
    .locator('#namespaces tbody tr[data-namespace]')
    .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-namespace') ?? ''));

describe('status page in headless Chromium', function () {
  this.timeout(120_000);
  let sim: SimulatedCluster;
  let exporter: TestExporter;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];

  before(async () => {
    sim = await SimulatedCluster.start({ namespaceDeletionDelayMs: 100 });
    for (const name of ['payments', 'shop', 'web-frontend', 'batch']) sim.create(namespace(name));
    sim.create(
      namespace('legacy', {
        annotations: {
          'netpol-exporter.io/exempt': 'true',
          'netpol-exporter.io/owner': HOSTILE_OWNER,
          'netpol-exporter.io/reason': 'Appliance "v1" cannot run under a policy\nuntil it is replaced',
          'netpol-exporter.io/expires': EXPIRES,
        },
      }),
    );
    sim.create(policy('payments', 'deny-all', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] }));
    sim.create(
      policy('payments', 'allow-web', { podSelector: { matchLabels: { app: 'api' } }, ingress: [{}] }),
    );
    sim.create(policy('web-frontend', 'deny-in', { podSelector: {} }));
    sim.create(policy('shop', 'allow-all', { podSelector: {}, ingress: [{}] }));
    // The internet reaches batch (uncovered) through a load balancer and an Ingress, web-frontend (covered) through
    // an Ingress.
    sim.create(service('batch', 'jobs-ui', { type: 'LoadBalancer' }));
    sim.create(ingress('batch', 'jobs-ui'));
    sim.create(ingress('web-frontend', 'www'));
    exporter = await exporterFor(sim, { args: ['--namespaces.exclude=kube-node-lease,kube-public'] });
    await eventually(() => expect(exporter.exporter.readiness().ready).to.equal(true), 60_000);
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--disable-quic',
      ],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    // Console errors include CSP violations ("Refused to load ...") and failed subresources (a 404 favicon).
    page.on('console', (msg) => {
      if (msg.type() === 'error' || msg.type() === 'warning') problems.push(`${msg.type()}: ${msg.text()}`);
    });
    page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
    page.on('dialog', (dialog) => {
      problems.push(`dialog: ${dialog.message()}`);
      void dialog.dismiss();
    });
    page.on('requestfailed', (req) => problems.push(`requestfailed: ${req.url()}`));
    await mkdir(ARTIFACTS, { recursive: true });
  });
  after(async () => {
    await browser?.close();
    await exporter?.dispose();
    await sim?.stop();
  });

  it('loads with no console errors, CSP violations or failed requests, and links to /metrics', async () => {
    const response = await page.goto(`${exporter.http.url}/`);
    expect(response?.status()).to.equal(200);
    const csp = response?.headers()['content-security-policy'] ?? '';
    expect(csp).to.contain("default-src 'none'");
    expect(csp).not.to.contain('unsafe-inline');
    expect(await page.title()).to.match(/^netpol-exporter: \d+ uncovered$/);
    expect(await page.locator('a', { hasText: 'Metrics' }).getAttribute('href')).to.equal('/metrics');
    // The stylesheet really applied (same origin, allowed by the CSP): the summary is a grid.
    expect(
      await page.evaluate<string>("getComputedStyle(document.querySelector('.summary')).display"),
    ).to.equal('grid');
    await page.screenshot({ path: join(ARTIFACTS, 'status-page.png'), fullPage: true });
    expect(problems).to.deep.equal([]);
  });

  it('shows the same counts as /metrics, and the same rows as /api/v1/namespaces', async () => {
    const expected = countsFromMetrics(await exporter.scrape());
    expect(expected.exempt).to.equal(1);
    expect(expected.excluded).to.equal(2);
    expect(await summaryOnPage(page)).to.deep.equal(expected);
    const api = (await (await fetch(`${exporter.http.url}/api/v1/namespaces`)).json()) as CoverageReport;
    expect(
      validate(JSON.parse(await readFile(join(ROOT, 'docs/coverage-report.schema.json'), 'utf8')), api),
    ).to.deep.equal([]);
    expect(api.source).to.deep.equal({ mode: 'exporter', ready: true });
    expect(await rowNames(page)).to.deep.equal(api.namespaces.map((n: { name: string }) => n.name));
    const payments = page.locator('tr[data-namespace="payments"]');
    expect(await payments.locator('[data-label="Policies"]').textContent()).to.equal('2');
    expect(await payments.locator('[data-label="Default deny"]').textContent()).to.equal('both');
  });

  it('shows hostile exemption values as text, with owner and expiry', async () => {
    const legacy = page.locator('tr[data-namespace="legacy"]');
    expect(await legacy.getAttribute('data-verdict')).to.equal('exempt');
    const cell = legacy.locator('[data-label="Exemption"]');
    expect(await cell.locator('.owner').textContent()).to.equal(HOSTILE_OWNER);
    // A bare date holds through that day: the exemption ends at the next midnight UTC.
    const end = new Date(Date.parse(EXPIRES) + 86_400_000).toISOString().slice(0, 10);
    expect(await cell.locator('time').textContent()).to.equal(end);
    // The reason is on the namespace's page; the row keeps it in the owner's tooltip.
    expect(await cell.locator('.owner').getAttribute('title')).to.contain('Appliance "v1" cannot run');
    expect(await page.locator('script').count()).to.equal(0);
    expect(problems).to.deep.equal([]);
  });

  it("opens a namespace's page from its row: policies, what to do, no script, no console problems", async () => {
    await page.goto(`${exporter.http.url}/`);
    const shop = page.locator('tr[data-namespace="shop"]');
    expect(await shop.locator('[data-flag="allow-all-ingress"]').textContent()).to.equal('allow-all ingress');
    await shop.locator('th a').click();
    expect(new URL(page.url()).pathname).to.equal('/namespaces/shop');
    expect(await page.locator('#namespace').textContent()).to.equal('shop');
    expect(await page.locator('#verdict').textContent()).to.equal('covered');
    expect(await page.locator('#sources').textContent()).to.equal('networkpolicy');
    const policy = page.locator('#policies-table tr[data-policy="NetworkPolicy/allow-all"]');
    expect(await policy.locator('[data-label="Notes"]').textContent()).to.equal(
      'allows all ingress: protects nothing',
    );
    expect(await page.locator('#actions').textContent()).to.contain('allows all ingress to every pod');
    // Who can reach it: the allow-all policy opens ingress from anywhere, and the page names it.
    const anywhere = page.locator('#exposure-ingress tr[data-class="anywhere"]');
    expect(await anywhere.locator('[data-label="Reachable"]').textContent()).to.equal('yes');
    expect(await anywhere.locator('[data-label="Opened by"]').textContent()).to.equal(
      'NetworkPolicy/allow-all',
    );
    expect(
      await page.locator('#exposure-egress tr[data-class="anywhere"] [data-label="Reachable"]').textContent(),
    ).to.equal('yes');
    expect(await page.locator('script').count()).to.equal(0);
    await page.screenshot({ path: join(ARTIFACTS, 'namespace-page.png'), fullPage: true });

    await page.goto(`${exporter.http.url}/namespaces/batch`);
    expect(await page.locator('#remediate').textContent()).to.equal(
      'netpol-exporter remediate --namespaces.include=batch',
    );
    expect(problems).to.deep.equal([]);
    const missing = await page.goto(`${exporter.http.url}/namespaces/no-such-namespace`);
    expect(missing?.status()).to.equal(404);
    expect(await page.locator('main').textContent()).to.contain('The exporter does not know this namespace');
    // The browser reports the 404 it was sent to on purpose; nothing else.
    expect(problems.splice(0)).to.deep.equal([
      'error: Failed to load resource: the server responded with a status of 404 (Not Found)',
    ]);
    await page.click('#back');
    expect(new URL(page.url()).pathname).to.equal('/');
  });

  it('filters by text and by verdict', async () => {
    await page.fill('#filter-text', 'PAY');
    await page.click('#filter-apply');
    expect(await rowNames(page)).to.deep.equal(['payments']);
    expect(await page.locator('#shown').textContent()).to.match(/^Showing 1 of \d+ namespaces$/);

    await page.fill('#filter-text', '');
    await page.selectOption('#filter-verdict', 'uncovered');
    await page.click('#filter-apply');
    const uncovered = await rowNames(page);
    expect(uncovered).to.include.members(['batch', 'default', 'kube-system']);
    expect(uncovered).to.have.length(
      Number(await page.locator('[data-summary="uncovered"] .n').textContent()),
    );
    const verdicts = await page
      .locator('#namespaces tbody tr')
      .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-verdict')));
    expect(new Set(verdicts)).to.deep.equal(new Set(['uncovered']));

    // The summary cards are filters too.
    await page.click('[data-summary="excluded"]');
    expect(await rowNames(page)).to.deep.equal(['kube-node-lease', 'kube-public']);
    expect(problems).to.deep.equal([]);
  });

  it('sorts by a column, ascending then descending', async () => {
    await page.goto(`${exporter.http.url}/`);
    await page.click('th[data-key="policies"] a');
    const policiesColumn = () =>
      page
        .locator('#namespaces tbody [data-label="Policies"]')
        .evaluateAll((cells) => cells.map((c) => Number(c.textContent)));
    const ascending = await policiesColumn();
    expect(ascending).to.deep.equal([...ascending].sort((a, b) => a - b));
    expect(await page.locator('th[data-key="policies"]').getAttribute('aria-sort')).to.equal('ascending');
    await page.click('th[data-key="policies"] a');
    const descending = await policiesColumn();
    expect(descending).to.deep.equal([...ascending].sort((a, b) => b - a));
    expect(descending[0]).to.equal(2);
    expect(await page.locator('th[data-key="policies"]').getAttribute('aria-sort')).to.equal('descending');
  });

  it('shows who can reach each namespace, widest class first when sorted by it', async () => {
    await page.goto(`${exporter.http.url}/`);
    const cell = (name: string) => page.locator(`tr[data-namespace="${name}"] [data-label="Reachable from"]`);
    expect(await cell('web-frontend').textContent()).to.equal('none');
    expect(await cell('payments').textContent()).to.equal('anywhere');
    expect(await cell('shop').textContent()).to.equal('anywhere');
    await page.click('th[data-key="reachable"] a');
    const order = await page
      .locator('#namespaces tbody [data-label="Reachable from"]')
      .evaluateAll((cells) =>
        cells.map((c) => (c as unknown as { dataset: { widest: string } }).dataset.widest),
      );
    expect(order.at(-1)).to.equal('none');
    expect(order[0]).to.equal('anywhere');
  });

  it('marks internet-facing namespaces in a column beside the verdict, sortable: uncovered ones first', async () => {
    await eventually(
      async () => {
        await page.goto(`${exporter.http.url}/`);
        expect(
          await page.locator('tr[data-namespace="batch"] [data-flag="internet-facing"]').count(),
        ).to.equal(1);
      },
      60_000,
      200,
    );
    const headers = await page
      .locator('#namespaces thead th')
      .evaluateAll((ths) => ths.map((th) => th.textContent?.trim()));
    expect(headers.slice(0, 3)).to.deep.equal(['Namespace ▲', 'Verdict', 'Internet-facing']);
    const cell = (name: string) =>
      page.locator(`tr[data-namespace="${name}"] [data-label="Internet-facing"]`);
    expect(await cell('batch').textContent()).to.equal('LB, Ingress');
    expect(await cell('batch').locator('[data-flag="internet-facing"]').getAttribute('title')).to.equal(
      'internet-facing via load_balancer, ingress',
    );
    expect(await cell('web-frontend').textContent()).to.equal('Ingress');
    expect(await cell('payments').textContent()).to.equal('no');
    // The mark is in the risk colour, as reachable from anywhere is.
    const colours = await page.evaluate<{ mark: string; bad: string }>(`(() => ({
      mark: getComputedStyle(document.querySelector('[data-flag="internet-facing"]')).color,
      bad: getComputedStyle(document.querySelector('.verdict.uncovered')).color,
    }))()`);
    expect(colours.mark).to.equal(colours.bad);

    const rows = () =>
      page.locator('#namespaces tbody tr[data-namespace]').evaluateAll((trs) =>
        trs.map((tr) => {
          const vias = tr.querySelector('[data-label="Internet-facing"]')?.getAttribute('data-vias');
          return `${tr.getAttribute('data-namespace')}/${tr.getAttribute('data-verdict')}/${vias ? 'internet' : '-'}`;
        }),
      );
    const byName = await rows();
    await page.click('th[data-key="internet"] a');
    expect(new URL(page.url()).searchParams.get('sort')).to.equal('internet');
    expect(await page.locator('th[data-key="internet"]').getAttribute('aria-sort')).to.equal('ascending');
    expect(await page.locator('th[data-key="name"]').getAttribute('aria-sort')).to.equal('none');
    const ascending = await rows();
    // The uncovered internet-facing namespace first, then the covered one, then the rest, uncovered first.
    expect(ascending.slice(0, 2)).to.deep.equal([
      'batch/uncovered/internet',
      'web-frontend/covered/internet',
    ]);
    expect(ascending.slice(2).every((r) => r.endsWith('/-'))).to.equal(true);
    expect(ascending[2]).to.match(/\/uncovered\/-$/);
    expect([...ascending].sort()).to.deep.equal([...byName].sort());
    await page.click('th[data-key="internet"] a');
    expect(await page.locator('th[data-key="internet"]').getAttribute('aria-sort')).to.equal('descending');
    const descending = await rows();
    expect(descending.slice(-2)).to.deep.equal(['web-frontend/covered/internet', 'batch/uncovered/internet']);
    expect(descending[0]).to.match(/\/covered\/-$/);
    // The form offers the same sort (on a phone the headers are hidden).
    expect(await page.locator('#sort-key option[value="internet"]').textContent()).to.equal(
      'internet-facing',
    );
    expect(await page.locator('#sort-key').inputValue()).to.equal('internet');
    expect(problems).to.deep.equal([]);
  });

  it('shows a namespace that lost its last policy as uncovered after a refresh', async () => {
    await page.goto(`${exporter.http.url}/?q=shop`);
    expect(await page.locator('tr[data-namespace="shop"]').getAttribute('data-verdict')).to.equal('covered');
    sim.delete('networkpolicies', 'shop', 'allow-all');
    await eventually(
      async () => {
        await page.reload();
        expect(await page.locator('tr[data-namespace="shop"]').getAttribute('data-verdict')).to.equal(
          'uncovered',
        );
      },
      60_000,
      200,
    );
    expect(await page.locator('tr[data-namespace="shop"] [data-label="Policies"]').textContent()).to.equal(
      '0',
    );
    expect(await page.locator('#result').textContent()).to.equal('FAIL');
    expect(problems).to.deep.equal([]);
  });

  it('is readable on a phone: no sideways scrolling, labelled fields', async () => {
    const phone = await browser.newPage({
      viewport: { width: 375, height: 812 },
      deviceScaleFactor: 2,
      isMobile: true,
    });
    try {
      await phone.goto(`${exporter.http.url}/`);
      const overflow = await phone.evaluate<number>(
        'document.documentElement.scrollWidth - window.innerWidth',
      );
      expect(overflow).to.be.at.most(0);
      // The test runs in Node: the browser-side code is passed as text (the DOM types are not in this project).
      const label = await phone.evaluate<string>(
        `getComputedStyle(document.querySelector('tr[data-namespace="payments"] [data-label="Verdict"]'), '::before').content`,
      );
      expect(label).to.equal('"Verdict"');
      await phone.screenshot({ path: join(ARTIFACTS, 'status-page-phone.png'), fullPage: false });
    } finally {
      await phone.close();
    }
  });

  it('at 390 px every field of every card is inside its card, and a card with an exemption stays short', async () => {
    const phone = await browser.newPage({
      viewport: { width: 390, height: 844 },
      deviceScaleFactor: 3,
      isMobile: true,
    });
    try {
      await phone.goto(`${exporter.http.url}/`);
      // Every element inside a row must lie within the row's box, and no cell may scroll sideways.
      const escapes = await phone.evaluate<string[]>(`(() => {
        const out = [];
        for (const tr of document.querySelectorAll('#namespaces tbody tr')) {
          const box = tr.getBoundingClientRect();
          for (const el of tr.querySelectorAll('*')) {
            const r = el.getBoundingClientRect();
            if (r.width === 0 && r.height === 0) continue;
            if (r.left < box.left - 0.5 || r.right > box.right + 0.5)
              out.push(tr.dataset.namespace + ': ' + el.tagName + '.' + el.className + ' ' + Math.round(r.left) + '..' + Math.round(r.right) + ' outside ' + Math.round(box.left) + '..' + Math.round(box.right));
            if (el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX !== 'visible')
              out.push(tr.dataset.namespace + ': ' + el.tagName + ' scrolls sideways');
          }
        }
        return out;
      })()`);
      expect(escapes).to.deep.equal([]);
      const legacy = phone.locator('tr[data-namespace="legacy"]');
      const card = await phone.evaluate<{
        height: number;
        owner: number;
        reason: number;
        content: number;
      }>(`(() => {
        const tr = document.querySelector('tr[data-namespace="legacy"]');
        const td = tr.querySelector('[data-label="Exemption"]');
        return {
          height: tr.getBoundingClientRect().height,
          owner: td.querySelector('.owner').getBoundingClientRect().left,
          reason: td.querySelector('.detail').getBoundingClientRect().left,
          content: td.getBoundingClientRect().left + parseFloat(getComputedStyle(td).paddingLeft),
        };
      })()`);
      expect(card.height, 'the exempt namespace card height in px').to.be.below(420);
      // The owner and the expiry each start on the cell's content column, readable in full, not side by side.
      expect(Math.round(card.owner)).to.equal(Math.round(card.content));
      expect(Math.round(card.reason)).to.equal(Math.round(card.content));
      await legacy.screenshot({ path: join(ARTIFACTS, 'status-page-phone-card.png') });
      // An internet-facing card: the ways in on their own labelled line, under the verdict.
      const batch = phone.locator('tr[data-namespace="batch"]');
      expect(
        await phone.evaluate<string>(
          `getComputedStyle(document.querySelector('tr[data-namespace="batch"] [data-label="Internet-facing"]'), '::before').content`,
        ),
      ).to.equal('"Internet-facing"');
      expect(await batch.locator('[data-label="Internet-facing"]').textContent()).to.equal('LB, Ingress');
      await batch.screenshot({ path: join(ARTIFACTS, 'status-page-phone-internet-facing.png') });
    } finally {
      await phone.close();
    }
  });

  it('offers an auto-refresh, off by default, that reloads the page at the chosen interval', async () => {
    await page.goto(`${exporter.http.url}/`);
    expect(await page.locator('meta[http-equiv="refresh"]').count()).to.equal(0);
    await page.selectOption('#refresh', '10');
    await page.click('#filter-apply');
    await page.waitForURL(/refresh=10/);
    expect(await page.locator('meta[http-equiv="refresh"]').getAttribute('content')).to.equal('10');
    const changed = await page
      .locator('tr[data-namespace="payments"] [data-label="Changed"] time')
      .getAttribute('datetime');
    expect(Date.parse(changed ?? '')).to.be.greaterThan(0);
  });
  // Last: it adds namespaces the tests above do not expect.
  describe('on a laptop, with 40 namespaces', () => {
    before(async () => {
      sim.create(namespace('partners', { labels: { team: 'partners' } }));
      for (let i = 0; i < 35; i++) {
        const name = i % 5 === 0 ? `team-${i}-payments-gateway-production` : `app-${i}`;
        const annotations: Record<string, string> =
          i % 7 === 3
            ? {
                'netpol-exporter.io/exempt': 'true',
                'netpol-exporter.io/owner': 'platform-team@example.com',
                'netpol-exporter.io/reason':
                  'Legacy appliance cannot run under a policy until it is replaced',
                'netpol-exporter.io/expires': EXPIRES,
              }
            : {};
        sim.create(namespace(name, { annotations }));
        // The widest mark: the long-named namespaces are reached four ways (a load balancer with external IPs, a
        // NodePort, an Ingress).
        if (i % 5 === 0) {
          sim.create(service(name, 'edge', { type: 'LoadBalancer', externalIPs: ['203.0.113.10'] }));
          sim.create(service(name, 'debug', { type: 'NodePort' }));
          sim.create(ingress(name, 'edge'));
        }
        if (i % 3 === 0)
          sim.create(policy(name, 'deny-all', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] }));
        if (i % 3 === 1) sim.create(policy(name, 'allow-all', { podSelector: {}, ingress: [{}] }));
        if (i % 3 === 2)
          sim.create(
            policy(name, 'from-partners', {
              podSelector: {},
              ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: 'partners' } } }] }],
            }),
          );
      }
      await eventually(
        async () => {
          await page.goto(`${exporter.http.url}/`);
          expect((await rowNames(page)).length).to.be.at.least(40);
          expect(await page.locator('[data-widest="other_namespaces"]').count()).to.be.greaterThan(0);
          expect(
            await page.locator('[data-vias="load_balancer node_port external_ip ingress"]').count(),
          ).to.equal(7);
        },
        60_000,
        200,
      );
    });

    for (const [width, height] of [
      [1440, 900],
      [1280, 800],
    ] as const)
      it(`at ${width}x${height} the table fits its box, every header shows, and exposure is coloured as a risk`, async () => {
        const desktop = await browser.newPage({ viewport: { width, height } });
        try {
          await desktop.goto(`${exporter.http.url}/`);
          const fit = await desktop.evaluate<{
            overflow: number;
            page: number;
            headers: string[];
            hidden: string[];
            broken: string[];
          }>(`(() => {
            const wrap = document.querySelector('.table-wrap');
            const table = document.querySelector('#namespaces');
            const box = wrap.getBoundingClientRect();
            const headers = [...table.querySelectorAll('thead th')];
            return {
              overflow: table.scrollWidth - wrap.clientWidth,
              page: document.documentElement.scrollWidth - window.innerWidth,
              headers: headers.map((th) => th.textContent.trim()),
              hidden: headers.filter((th) => {
                const r = th.getBoundingClientRect();
                return r.width === 0 || r.left < box.left - 0.5 || r.right > box.right + 0.5 || th.scrollWidth > th.clientWidth + 1;
              }).map((th) => th.textContent.trim()),
              broken: [...table.querySelectorAll('.exposure, time, .internet .via')]
                .filter((el) => {
                  // Every piece of its text on one line: one top for all the rectangles it occupies.
                  const range = document.createRange();
                  range.selectNodeContents(el);
                  return new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size > 1;
                })
                .map((el) => el.textContent),
            };
          })()`);
          expect(fit.overflow, 'table wider than its box, px').to.be.at.most(0);
          expect(fit.page, 'page wider than the window, px').to.be.at.most(0);
          expect(fit.headers).to.have.length.at.least(5);
          expect(fit.headers).to.include('Internet-facing');
          expect(fit.hidden, 'column headers clipped or outside the box').to.deep.equal([]);
          expect(fit.broken, 'class names, times and ways in broken across lines').to.deep.equal([]);

          // Reachable from anywhere is the risk colour, not the colour that means covered.
          const colours = await desktop.evaluate<{
            anywhere: string;
            good: string;
            bad: string;
            none: string;
          }>(`(() => {
            const colour = (selector) => getComputedStyle(document.querySelector(selector)).color;
            return {
              anywhere: colour('[data-widest="anywhere"] .exposure'),
              none: colour('[data-widest="none"] .exposure'),
              good: colour('.verdict.covered'),
              bad: colour('.verdict.uncovered'),
            };
          })()`);
          expect(colours.anywhere).to.not.equal(colours.good);
          expect(colours.anywhere).to.equal(colours.bad);
          expect(colours.none).to.equal(colours.good);
          await desktop.screenshot({ path: join(ARTIFACTS, `status-page-${width}.png`) });
          await desktop.goto(`${exporter.http.url}/?sort=internet`);
          await desktop.locator('#namespaces').screenshot({
            path: join(ARTIFACTS, `status-page-${width}-internet-facing.png`),
          });

          // The namespace's page: "reachable from anywhere: yes" is not in the good colour either.
          await desktop.goto(`${exporter.http.url}/namespaces/payments`);
          const reachable = await desktop.evaluate<{ yes: string; good: string }>(`(() => ({
            yes: getComputedStyle(document.querySelector('#exposure-ingress tr[data-class="anywhere"] [data-label="Reachable"] span')).color,
            good: getComputedStyle(document.querySelector('#verdict')).color,
          }))()`);
          expect(
            await desktop
              .locator('#exposure-ingress tr[data-class="anywhere"] [data-label="Reachable"]')
              .textContent(),
          ).to.equal('yes');
          expect(reachable.yes).to.not.equal(reachable.good);
        } finally {
          await desktop.close();
        }
      });
  });
});
