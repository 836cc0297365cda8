// --web.config.file end to end over real sockets: HTTPS, client-certificate policies, basic auth, and reloads.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { expect } from 'chai';
import { createApp, type Listening, listen, type MetricsSource } from '../../src/http/server.ts';
import { WebConfigGuard } from '../../src/http/web-config.ts';
import { createLogger } from '../../src/support/log.ts';
import { type TestCertificates, testCertificates } from '../helpers/certs.ts';
import { eventually } from '../helpers/exposition.ts';
import { request } from '../helpers/http-client.ts';

/** True when the request failed at the connection (TLS handshake) rather than with a status. */
const refused = (p: Promise<unknown>): Promise<boolean> =>
  p.then(
    () => false,
    () => true,
  );

const source: MetricsSource = {
  metrics: async () => '# HELP up_test x\n# TYPE up_test gauge\nup_test 1\n',
  readiness: () => ({ ready: true, reason: 'ok' }),
};

describe('web config: TLS and basic auth', function () {
  this.timeout(30_000);
  let dir: string;
  let certs: TestCertificates;
  let logs: string[];
  let running: Listening | undefined;
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
    running = await listen(createApp(source, { telemetryPath: '/metrics', log }), '127.0.0.1', 0, {
      webConfig,
    });
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
    expect(logs.filter((l) => l.includes('web config not reloaded')).length).to.equal(1);
    expect(logs.join('')).not.to.contain('not-a-hash');
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
  });
});
