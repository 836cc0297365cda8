// --web.config.file end to end over real sockets: HTTPS, client-certificate policies, basic auth, and reloads.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ConnectionOptions, connect } from 'node:tls';
import bcrypt from 'bcryptjs';
import { expect } from 'chai';
import { createApp, type Listening, listen } from '../../src/http/server.ts';
import { ServingStats } from '../../src/http/serving-stats.ts';
import { WebConfigGuard } from '../../src/http/web-config.ts';
import { createLogger } from '../../src/support/log.ts';
import { type TestCertificates, testCertificates } from '../helpers/certs.ts';
import { eventually } from '../helpers/exposition.ts';
import { request } from '../helpers/http-client.ts';
import { textSource } from '../helpers/metrics-source.ts';

/** True when the request failed at the connection (TLS handshake) rather than with a status. */
const refused = (p: Promise<unknown>): Promise<boolean> =>
  p.then(
    () => false,
    () => true,
  );

const source = textSource(() => '# HELP up_test x\n# TYPE up_test gauge\nup_test 1\n');

/** The TLS handshake alone: the negotiated protocol and cipher, or the error that ended it. */
function handshake(
  url: string,
  options: ConnectionOptions,
): Promise<{ protocol?: string; cipher?: string; error?: string }> {
  const { port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(
      { host: '127.0.0.1', port: Number(port), servername: 'localhost', ...options },
      () => {
        const result = { protocol: socket.getProtocol() ?? '', cipher: socket.getCipher().standardName };
        socket.end();
        resolve(result);
      },
    );
    socket.on('error', (err) => resolve({ error: err.message }));
  });
}

describe('web config: TLS and basic auth', () => {
  let dir: string;
  let certs: TestCertificates;
  let logs: string[];
  let running: Listening | undefined;
  let stats: ServingStats;
  const hash = (password: string) => bcrypt.hashSync(password, 4);

  before(async () => {
    certs = await testCertificates();
  });
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'netpol-webconfig-'));
    logs = [];
    for (const [name, pem] of Object.entries(certs)) {
      await writeFile(join(dir, `${name}.crt`), pem.cert);
      await writeFile(join(dir, `${name}.key`), pem.key);
    }
  });
  afterEach(async () => {
    await running?.close();
    running = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  async function serve(config: string): Promise<Listening> {
    const file = join(dir, 'web.yml');
    await writeFile(file, config);
    const log = createLogger('debug', 'json', { write: (line: string) => logs.push(line) });
    const webConfig = await WebConfigGuard.load(file, { log, reloadIntervalMs: 50 });
    stats = new ServingStats(webConfig);
    running = await listen(
      createApp(source, { telemetryPath: '/metrics', log, version: 'test', stats }),
      '127.0.0.1',
      0,
      { webConfig, stats },
    );
    return running;
  }

  const tlsBlock = (authType = 'NoClientCert', ca = false) =>
    `tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  client_auth_type: ${authType}\n${
      ca ? '  client_ca_file: clientCa.crt\n' : ''
    }`;

  it('basic auth guards every endpoint: missing, wrong or unknown credentials get 401 with WWW-Authenticate', async () => {
    const { url } = await serve(`basic_auth_users:\n  prometheus: ${hash('right-pass')}\n`);
    expect(url).to.match(/^http:/);
    for (const path of ['/metrics', '/healthz', '/readyz', '/', '/nope']) {
      const res = await request(url + path);
      expect(res.status, path).to.equal(401);
      expect(res.headers['www-authenticate']).to.match(/^Basic realm="netpol-exporter"/);
    }
    for (const auth of ['prometheus:wrong', 'nobody:right-pass', 'prometheus:', 'prometheus:right-pass2']) {
      expect((await request(`${url}/metrics`, { auth })).status, auth).to.equal(401);
    }
    for (const header of ['Bearer right-pass', 'Basic !!!', 'Basic cHJvbWV0aGV1cw==']) {
      expect((await request(`${url}/metrics`, { headers: { authorization: header } })).status).to.equal(401);
    }
    const ok = await request(`${url}/metrics`, { auth: 'prometheus:right-pass' });
    expect(ok.status).to.equal(200);
    expect(ok.body).to.contain('up_test 1');
    // Served from the verification cache the second time; still correct.
    expect((await request(`${url}/healthz`, { auth: 'prometheus:right-pass' })).status).to.equal(200);
    expect((await request(`${url}/nope`, { auth: 'prometheus:right-pass' })).status).to.equal(404);
  });

  it('serves HTTPS with the configured certificate; plain HTTP to it is refused', async () => {
    const { url } = await serve(tlsBlock());
    expect(url).to.match(/^https:\/\/127\.0\.0\.1:/);
    const res = await request(`${url}/metrics`, { ca: certs.server.cert });
    expect(res.status).to.equal(200);
    expect(res.peerCommonName).to.equal('netpol-test-server');
    // A client that does not trust the certificate fails the handshake.
    let error: unknown;
    await request(`${url}/metrics`).catch((err) => {
      error = err;
    });
    expect(String(error)).to.match(/self.signed|certificate/i);
    const plain = await request(`${url.replace('https:', 'http:')}/metrics`).catch((err) => err);
    expect(plain instanceof Error || plain.status === 400).to.equal(true);
  });

  it('RequireAndVerifyClientCert: only clients with a certificate from client_ca_file get in', async () => {
    const { url } = await serve(tlsBlock('RequireAndVerifyClientCert', true));
    const ca = certs.server.cert;
    const ok = await request(`${url}/metrics`, { ca, ...certs.client });
    expect(ok.status).to.equal(200);
    expect(await refused(request(`${url}/metrics`, { ca }))).to.equal(true);
    expect(await refused(request(`${url}/metrics`, { ca, ...certs.untrustedClient }))).to.equal(true);
  });

  it('VerifyClientCertIfGiven: no certificate is fine, an untrusted one gets 403', async () => {
    const { url } = await serve(tlsBlock('VerifyClientCertIfGiven', true));
    const ca = certs.server.cert;
    expect((await request(`${url}/metrics`, { ca })).status).to.equal(200);
    expect((await request(`${url}/metrics`, { ca, ...certs.client })).status).to.equal(200);
    const untrusted = await request(`${url}/metrics`, { ca, ...certs.untrustedClient });
    expect(untrusted.status).to.equal(403);
    expect(untrusted.body).to.equal('client certificate not trusted\n');
  });

  it('RequireAnyClientCert: any certificate gets in, none gets 403', async () => {
    const { url } = await serve(tlsBlock('RequireAnyClientCert'));
    const ca = certs.server.cert;
    expect((await request(`${url}/metrics`, { ca })).status).to.equal(403);
    expect((await request(`${url}/metrics`, { ca, ...certs.untrustedClient })).status).to.equal(200);
  });

  it('TLS and basic auth together', async () => {
    const { url } = await serve(`${tlsBlock()}basic_auth_users:\n  prom: ${hash('pw')}\n`);
    const ca = certs.server.cert;
    expect((await request(`${url}/metrics`, { ca })).status).to.equal(401);
    expect((await request(`${url}/metrics`, { ca, auth: 'prom:pw' })).status).to.equal(200);
  });

  it('reloads changed users; a broken file keeps the previous settings and says so once', async () => {
    const file = join(dir, 'web.yml');
    const { url } = await serve(`basic_auth_users:\n  prom: ${hash('old')}\n`);
    expect((await request(`${url}/metrics`, { auth: 'prom:old' })).status).to.equal(200);
    await writeFile(file, `basic_auth_users:\n  prom: ${hash('new')}\n`);
    await eventually(async () => {
      expect((await request(`${url}/metrics`, { auth: 'prom:new' })).status).to.equal(200);
    });
    // The cached verification of the old password is gone with the old hash.
    expect((await request(`${url}/metrics`, { auth: 'prom:old' })).status).to.equal(401);

    await writeFile(file, 'basic_auth_users:\n  prom: not-a-hash\n');
    await eventually(() =>
      expect(logs.join('')).to.contain('web config not reloaded, keeping the previous one'),
    );
    expect((await request(`${url}/metrics`, { auth: 'prom:new' })).status).to.equal(200);
    await new Promise((r) => setTimeout(r, 300)); // several reload periods with the same broken file
    // Counted by its reason: a read that caught the file half-written is refused too, and logged on its own.
    expect(logs.filter((l) => l.includes('is not a bcrypt hash')).length).to.equal(1);
    expect(logs.join('')).not.to.contain('not-a-hash');
  });

  it('a reload asked for (SIGHUP) applies what it reads at once, and always says what came of it', async () => {
    const file = join(dir, 'web.yml');
    await writeFile(file, `basic_auth_users:\n  prom: ${hash('pw')}\n`);
    const log = createLogger('debug', 'json', { write: (line: string) => logs.push(line) });
    const guard = await WebConfigGuard.load(file, { log });
    try {
      await writeFile(file, `basic_auth_users:\n  prom: ${hash('pw')}\n  grafana: ${hash('pw')}\n`);
      // The timer's reload waits for a second read that agrees (the file might be half-written)...
      expect(await guard.reload()).to.equal(false);
      await writeFile(file, `basic_auth_users:\n  prom: ${hash('pw')}\n  alertmanager: ${hash('pw')}\n`);
      // ...one asked for takes the file as complete.
      expect(await guard.reload(true)).to.equal(true);
      expect([...guard.config.users.keys()]).to.deep.equal(['prom', 'alertmanager']);
      expect(await guard.reload(true)).to.equal(false);
      expect(logs.join('')).to.contain('web config unchanged');
      await writeFile(file, 'basic_auth_users:\n  prom: not-a-hash\n');
      expect(await guard.reload(true)).to.equal(false);
      expect(await guard.reload(true)).to.equal(false);
      // Each hang-up is answered in the log, not only the first.
      expect(logs.filter((l) => l.includes('is not a bcrypt hash')).length).to.equal(2);
      expect([...guard.config.users.keys()]).to.deep.equal(['prom', 'alertmanager']);
    } finally {
      guard.close();
    }
  });

  it('reloads a renewed certificate for new connections', async () => {
    const { url } = await serve(tlsBlock());
    expect((await request(`${url}/healthz`, { ca: certs.server.cert })).peerCommonName).to.equal(
      'netpol-test-server',
    );
    await writeFile(join(dir, 'server.crt'), certs.otherServer.cert);
    await writeFile(join(dir, 'server.key'), certs.otherServer.key);
    await eventually(async () => {
      const res = await request(`${url}/healthz`, { ca: certs.otherServer.cert });
      expect(res.peerCommonName).to.equal('netpol-test-server-2');
    });
    await eventually(() => expect(logs.join('')).to.contain('web config reloaded'));
  });

  it('reloads a client-certificate policy change', async () => {
    const file = join(dir, 'web.yml');
    const { url } = await serve(tlsBlock());
    const ca = certs.server.cert;
    expect((await request(`${url}/healthz`, { ca })).status).to.equal(200);
    await writeFile(file, tlsBlock('RequireAndVerifyClientCert', true));
    await eventually(async () => {
      expect(await refused(request(`${url}/healthz`, { ca }))).to.equal(true);
    });
    expect((await request(`${url}/healthz`, { ca, ...certs.client })).status).to.equal(200);
  });

  it('refuses to switch between HTTP and HTTPS without a restart', async () => {
    const file = join(dir, 'web.yml');
    const { url } = await serve('');
    await writeFile(file, tlsBlock());
    await eventually(() =>
      expect(logs.join('')).to.contain('switching between HTTP and HTTPS needs a restart'),
    );
    expect((await request(`${url}/healthz`)).status).to.equal(200);
    expect((await request(`${url}/metrics`)).body).to.contain(
      'netpol_exporter_web_config_reload_refused{reason="needs_restart"} 1\n',
    );
  });

  const refusedMetric = (reason: string, value: number) =>
    `netpol_exporter_web_config_reload_refused{reason="${reason}"} ${value}\n`;

  it('a reload never turns authentication off: an emptied file keeps it, logs at error and sets a metric', async () => {
    const file = join(dir, 'web.yml');
    const original = `basic_auth_users:\n  prom: ${hash('pw')}\n`;
    const { url } = await serve(original);
    expect((await request(`${url}/metrics`, { auth: 'prom:pw' })).body).to.contain(
      refusedMetric('lowers_protection', 0),
    );
    await writeFile(file, '');
    await eventually(() => expect(logs.join('')).to.contain('it would turn off basic authentication'));
    const line = logs.find((l) => l.includes('turn off basic authentication')) ?? '{}';
    expect((JSON.parse(line) as { level: string }).level).to.equal('error');
    expect((await request(`${url}/metrics`)).status).to.equal(401);
    const scrape = await request(`${url}/metrics`, { auth: 'prom:pw' });
    expect(scrape.status).to.equal(200);
    expect(scrape.body).to.contain(refusedMetric('lowers_protection', 1));
    expect(scrape.body).to.contain(refusedMetric('invalid', 0));

    // Reloads go on: a change that keeps protection applies (and proves the emptied file was seen many times).
    await writeFile(file, `${original}  grafana: ${hash('gr')}\n`);
    await eventually(async () =>
      expect((await request(`${url}/metrics`, { auth: 'grafana:gr' })).status).to.equal(200),
    );
    expect((await request(`${url}/metrics`)).status).to.equal(401);
    const after = await request(`${url}/metrics`, { auth: 'prom:pw' });
    expect(after.body).to.contain(refusedMetric('lowers_protection', 0));
    expect(logs.filter((l) => l.includes('turn off basic authentication')).length).to.equal(1);
  });

  it('a reload never drops a client-certificate requirement; only a restart can', async () => {
    const file = join(dir, 'web.yml');
    const { url } = await serve(tlsBlock('RequireAndVerifyClientCert', true));
    const ca = certs.server.cert;
    await writeFile(file, tlsBlock('NoClientCert'));
    await eventually(() => expect(logs.join('')).to.contain('it would stop requiring client certificates'));
    expect(await refused(request(`${url}/healthz`, { ca }))).to.equal(true);
    const scrape = await request(`${url}/metrics`, { ca, ...certs.client });
    expect(scrape.body).to.contain(refusedMetric('lowers_protection', 1));
    // A restart with the new file is the way to lower protection.
    await running?.close();
    const restarted = await serve(tlsBlock('NoClientCert'));
    expect((await request(`${restarted.url}/healthz`, { ca })).status).to.equal(200);
  });

  it('client_allowed_sans: only a verified certificate with an allowed SAN gets in', async () => {
    const { url } = await serve(
      `${tlsBlock('RequireAndVerifyClientCert', true)}  client_allowed_sans:\n    - spiffe://cluster.local/ns/monitoring/sa/prometheus\n`,
    );
    const ca = certs.server.cert;
    expect((await request(`${url}/metrics`, { ca, ...certs.sanClient })).status).to.equal(200);
    const other = await request(`${url}/metrics`, { ca, ...certs.client });
    expect(other.status).to.equal(403);
    expect(other.body).to.equal('client certificate has no allowed SAN\n');
    expect(stats.refused.get('client_certificate')).to.equal(1);
    await running?.close();
    const byDns = await serve(
      `${tlsBlock('RequireAndVerifyClientCert', true)}  client_allowed_sans: [prometheus.monitoring.svc]\n`,
    );
    expect((await request(`${byDns.url}/metrics`, { ca, ...certs.sanClient })).status).to.equal(200);
  });

  it('cipher_suites govern TLS 1.2 and leave TLS 1.3 alone, as in Go', async () => {
    const { url } = await serve(`${tlsBlock()}  cipher_suites: [TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256]\n`);
    const ca = certs.server.cert;
    const tls12 = { ca, maxVersion: 'TLSv1.2' as const };
    expect((await handshake(url, { ...tls12, ciphers: 'ECDHE-ECDSA-AES256-GCM-SHA384' })).error).to.match(
      /handshake failure|no shared cipher|alert/i,
    );
    expect(await handshake(url, { ...tls12, ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256' })).to.deep.equal({
      protocol: 'TLSv1.2',
      cipher: 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256',
    });
    expect((await handshake(url, { ca })).protocol).to.equal('TLSv1.3');
  });

  it('prefer_server_cipher_suites picks the server order (the default) or the client order', async () => {
    const suites =
      '  cipher_suites: [TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384]\n';
    const client = {
      ca: certs.server.cert,
      maxVersion: 'TLSv1.2' as const,
      ciphers: 'ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES128-GCM-SHA256',
    };
    const server = await serve(`${tlsBlock()}${suites}`);
    expect((await handshake(server.url, client)).cipher).to.equal('TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256');
    await running?.close();
    const clientOrder = await serve(`${tlsBlock()}${suites}  prefer_server_cipher_suites: false\n`);
    expect((await handshake(clientOrder.url, client)).cipher).to.equal(
      'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384',
    );
  });

  it('curve_preferences limit the key exchange, in TLS 1.2 and 1.3', async () => {
    const { url } = await serve(`${tlsBlock()}  curve_preferences: [CurveP384]\n`);
    const ca = certs.server.cert;
    // The client also lists P-256: in TLS 1.2 its groups must admit the server certificate's own curve.
    for (const maxVersion of ['TLSv1.2', 'TLSv1.3'] as const) {
      const other = await handshake(url, { ca, maxVersion, ecdhCurve: 'X25519:P-256' });
      expect(other.error, maxVersion).to.be.a('string');
      expect((await handshake(url, { ca, maxVersion, ecdhCurve: 'P-384:P-256' })).protocol).to.equal(
        maxVersion,
      );
    }
  });

  it('http_server_config.headers are on every response, refusals included, and win over the defaults', async () => {
    const { url } = await serve(`http_server_config:
  http2: true
  headers:
    X-Frame-Options: sameorigin
    Strict-Transport-Security: max-age=31536000
    Content-Security-Policy: "default-src 'self'"
basic_auth_users:
  prom: ${hash('pw')}
`);
    for (const res of [await request(`${url}/`), await request(`${url}/`, { auth: 'prom:pw' })]) {
      expect(res.status).to.be.oneOf([200, 401]);
      expect(res.headers['x-frame-options']).to.equal('sameorigin');
      expect(res.headers['strict-transport-security']).to.equal('max-age=31536000');
      expect(res.headers['content-security-policy']).to.equal("default-src 'self'");
      expect(res.headers['x-content-type-options']).to.equal('nosniff');
    }
  });

  it('rate_limit: beyond the burst a request gets 429 with Retry-After; a token comes back each interval', async () => {
    const { url } = await serve('rate_limit:\n  interval: 300ms\n  burst: 3\n');
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await request(`${url}/healthz`)).status);
    // Sent back to back: the fourth can only pass if the machine took a whole interval for three requests.
    expect(statuses.slice(0, 3)).to.deep.equal([200, 200, 200]);
    const limited = await eventually(async () => {
      const res = await request(`${url}/healthz`);
      expect(res.status).to.equal(429);
      return res;
    });
    expect(limited.headers['retry-after']).to.equal('1');
    expect(limited.body).to.equal('too many requests\n');
    expect(stats.refused.get('rate_limited')).to.be.at.least(1);
    await eventually(async () => expect((await request(`${url}/healthz`)).status).to.equal(200));
  });
});
