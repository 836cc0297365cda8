import bcrypt from 'bcryptjs';
import { expect } from 'chai';
import { certificateSans } from '../../src/http/tls-context.ts';
import { loweredProtection } from '../../src/http/web-config.ts';
import { parseWebConfig, type WebConfig, WebConfigError } from '../../src/http/web-config-file.ts';

const HASH = bcrypt.hashSync('s3cret', 4);

describe('web config file (exporter-toolkit format)', () => {
  it('reads TLS settings and users; relative paths are relative to the file', () => {
    const c = parseWebConfig(
      `tls_server_config:
  cert_file: tls/server.crt
  key_file: /abs/server.key
  client_ca_file: ca.crt
  client_auth_type: RequireAndVerifyClientCert
  min_version: TLS13
basic_auth_users:
  prometheus: ${HASH}
`,
      '/etc/netpol',
    );
    expect(c.tls).to.deep.equal({
      certFile: '/etc/netpol/tls/server.crt',
      keyFile: '/abs/server.key',
      clientCaFile: '/etc/netpol/ca.crt',
      inline: {},
      clientAuthType: 'RequireAndVerifyClientCert',
      minVersion: 'TLSv1.3',
      maxVersion: undefined,
      cipherSuites: undefined,
      curvePreferences: undefined,
      preferServerCipherSuites: true,
      clientAllowedSans: undefined,
    });
    expect([...c.users]).to.deep.equal([['prometheus', HASH]]);
  });

  it('an empty file means plain HTTP without authentication, and TLS defaults to TLS 1.2 without client certs', () => {
    expect(parseWebConfig('', '/')).to.deep.equal({
      tls: undefined,
      users: new Map(),
      headers: new Map(),
      http2: true,
      rateLimit: undefined,
    });
    // Templated charts write an empty block: plain HTTP, as in exporter-toolkit.
    expect(parseWebConfig('tls_server_config: {}\nhttp_server_config: {}\nrate_limit: {}', '/').tls).to.equal(
      undefined,
    );
    const c = parseWebConfig('tls_server_config: {cert_file: a, key_file: b}', '/d');
    expect(c.tls?.clientAuthType).to.equal('NoClientCert');
    expect(c.tls?.minVersion).to.equal('TLSv1.2');
  });

  const bad: Array<[string, string, RegExp]> = [
    ['not YAML', 'tls_server_config: [', /not valid YAML/],
    ['a list at the top', '- a', /must be a mapping/],
    [
      'an unknown key',
      'tls_config: {}',
      /unknown key "tls_config".*supported: tls_server_config, http_server_config, rate_limit, basic_auth_users/,
    ],
    ['TLS without a key', 'tls_server_config: {cert_file: a}', /needs a certificate and a key/],
    [
      'a TLS setting without a certificate',
      'tls_server_config: {min_version: TLS13}',
      /needs a certificate and a key/,
    ],
    [
      'a cipher suite Go does not offer',
      'tls_server_config: {cert_file: a, key_file: b, cipher_suites: [TLS_RSA_WITH_RC4_128_SHA]}',
      /cipher_suites: unknown "TLS_RSA_WITH_RC4_128_SHA" \(supported: TLS_AES_128_GCM_SHA256, /,
    ],
    [
      'an unknown curve',
      'tls_server_config: {cert_file: a, key_file: b, curve_preferences: [P256]}',
      /curve_preferences: unknown "P256" \(supported: CurveP256, CurveP384, CurveP521, X25519\)/,
    ],
    [
      'SANs without a certificate to check',
      'tls_server_config: {cert_file: a, key_file: b, client_allowed_sans: [x]}',
      /client_allowed_sans needs a client_auth_type that asks for a certificate/,
    ],
    [
      'an empty SAN list',
      'tls_server_config: {cert_file: a, key_file: b, client_auth_type: RequireAnyClientCert, client_allowed_sans: []}',
      /client_allowed_sans is empty/,
    ],
    [
      'a header exporter-toolkit does not let a file set',
      'http_server_config: {headers: {Server: x}}',
      /"Server" can not be configured \(supported: Strict-Transport-Security, /,
    ],
    [
      'a bad X-Frame-Options',
      'http_server_config: {headers: {X-Frame-Options: allow}}',
      /X-Frame-Options takes one of deny, sameorigin, not "allow"/,
    ],
    [
      'a header value with a line break',
      'http_server_config: {headers: {Content-Security-Policy: "a\\r\\nSet-Cookie: x"}}',
      /Content-Security-Policy contains a character a header cannot carry/,
    ],
    ['an unknown http_server_config key', 'http_server_config: {http3: true}', /unknown key "http3"/],
    [
      'a rate limit interval without a unit',
      'rate_limit: {interval: 1x}',
      /rate_limit.interval takes a duration/,
    ],
    [
      'a negative burst',
      'rate_limit: {interval: 1s, burst: -1}',
      /rate_limit.burst takes a whole number >= 0/,
    ],
    [
      'an unknown TLS key',
      'tls_server_config: {cert_file: a, key_file: b, cipher: x}',
      /unknown key "cipher"/,
    ],
    [
      'an unknown client_auth_type',
      'tls_server_config: {cert_file: a, key_file: b, client_auth_type: Always}',
      /client_auth_type takes one of NoClientCert, .*not "Always"/,
    ],
    [
      'verification without a CA',
      'tls_server_config: {cert_file: a, key_file: b, client_auth_type: RequireAndVerifyClientCert}',
      /needs client_ca_file/,
    ],
    [
      'a CA nobody uses',
      'tls_server_config: {cert_file: a, key_file: b, client_ca_file: c}',
      /client_ca_file is set but client_auth_type is NoClientCert/,
    ],
    [
      'a bad TLS version',
      'tls_server_config: {cert_file: a, key_file: b, min_version: SSL3}',
      /min_version takes one of/,
    ],
    [
      'a plain-text password',
      'basic_auth_users: {prometheus: hunter2}',
      /basic_auth_users.prometheus is not a bcrypt hash/,
    ],
    ['a number as password', 'basic_auth_users: {prometheus: 12}', /not a bcrypt hash/],
    ['users as a list', 'basic_auth_users: [a]', /basic_auth_users must be a mapping/],
  ];
  it('reads every key exporter-toolkit documents, with its spellings and defaults', () => {
    const c = parseWebConfig(
      `tls_server_config:
  cert: "-----BEGIN CERTIFICATE-----\\n"
  key: "-----BEGIN PRIVATE KEY-----\\n"
  client_ca: "-----BEGIN CERTIFICATE-----\\n"
  client_auth_type: RequireClientCert
  client_allowed_sans: [prometheus.monitoring.svc, "spiffe://cluster.local/ns/monitoring/sa/prometheus"]
  cipher_suites: [TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, TLS_AES_128_GCM_SHA256, TLS_RSA_WITH_AES_128_CBC_SHA]
  prefer_server_cipher_suites: false
  curve_preferences: [CurveP384, X25519]
  max_version: TLS13
http_server_config:
  http2: true
  headers:
    X-Frame-Options: sameorigin
    Strict-Transport-Security: max-age=31536000; includeSubDomains
    X-Content-Type-Options: nosniff
    X-XSS-Protection: 1
    Content-Security-Policy: "default-src 'self'"
rate_limit:
  interval: 1m30s
  burst: 20
`,
      '/d',
    );
    expect(c.tls?.clientAuthType).to.equal('RequireAnyClientCert'); // the older spelling
    expect(c.tls?.inline).to.deep.equal({
      cert: '-----BEGIN CERTIFICATE-----\n',
      key: '-----BEGIN PRIVATE KEY-----\n',
      clientCa: '-----BEGIN CERTIFICATE-----\n',
    });
    expect(c.tls?.certFile).to.equal(undefined);
    expect(c.tls?.clientAllowedSans).to.have.length(2);
    expect(c.tls?.cipherSuites).to.have.length(3);
    expect(c.tls?.preferServerCipherSuites).to.equal(false);
    expect(c.tls?.curvePreferences).to.deep.equal(['CurveP384', 'X25519']);
    expect(c.tls?.maxVersion).to.equal('TLSv1.3');
    expect(c.http2).to.equal(true);
    expect([...c.headers]).to.deep.equal([
      ['X-Frame-Options', 'sameorigin'],
      ['Strict-Transport-Security', 'max-age=31536000; includeSubDomains'],
      ['X-Content-Type-Options', 'nosniff'],
      ['X-XSS-Protection', '1'],
      ['Content-Security-Policy', "default-src 'self'"],
    ]);
    expect(c.rateLimit).to.deep.equal({ intervalMs: 90_000, burst: 20 });
  });

  it('reads rate_limit intervals as Go does; an interval of 0 (or none) is no limit', () => {
    const interval = (value: string) =>
      parseWebConfig(`rate_limit: {interval: ${value}, burst: 1}`, '/').rateLimit;
    expect(interval('250ms')?.intervalMs).to.equal(250);
    expect(interval('"1h"')?.intervalMs).to.equal(3_600_000);
    expect(interval('1500000000')?.intervalMs).to.equal(1500); // an integer is nanoseconds
    expect(interval('0')).to.equal(undefined);
    expect(parseWebConfig('rate_limit: {burst: 5}', '/').rateLimit).to.equal(undefined);
    // Go's limiter with a burst of 0 refuses every request; the file says so, and so does the exporter.
    expect(parseWebConfig('rate_limit: {interval: 1s}', '/').rateLimit).to.deep.equal({
      intervalMs: 1000,
      burst: 0,
    });
  });

  it('a blank header value leaves the header unset', () => {
    expect(
      parseWebConfig('http_server_config: {headers: {X-XSS-Protection: ""}}', '/').headers.size,
    ).to.equal(0);
  });

  describe('what a reload may not do', () => {
    const config = (text: string): WebConfig => parseWebConfig(text, '/d');
    const HASHED = `basic_auth_users: {prometheus: ${HASH}}`;
    const tls = (more = '') => `tls_server_config: {cert_file: a, key_file: b${more}}`;
    const verified = ', client_auth_type: RequireAndVerifyClientCert, client_ca_file: c';
    const cases: Array<[string, string, string, RegExp | undefined]> = [
      ['empty the file under basic auth', HASHED, '', /turn off basic authentication/],
      ['remove the users', `${HASHED}`, 'basic_auth_users: {}', /turn off basic authentication/],
      ['turn off TLS', tls(), '', /turn off TLS/],
      ['stop verifying client certificates', tls(verified), tls(), /stop requiring client certificates/],
      [
        'accept unverified certificates',
        tls(verified),
        tls(', client_auth_type: RequireAnyClientCert'),
        /stop verifying client certificates/,
      ],
      [
        'make a certificate optional',
        tls(verified),
        tls(', client_auth_type: VerifyClientCertIfGiven, client_ca_file: c'),
        /stop requiring client certificates/,
      ],
      [
        'drop the SAN allow-list',
        tls(`${verified}, client_allowed_sans: [x]`),
        tls(verified),
        /stop checking client certificate SANs/,
      ],
    ];
    for (const [what, before, after, refused] of cases)
      it(`refuses to ${what}`, () => {
        expect(loweredProtection(config(before), config(after))).to.match(refused as RegExp);
      });
    const allowed: Array<[string, string, string]> = [
      ['change a hash', HASHED, `basic_auth_users: {prometheus: ${bcrypt.hashSync('other', 4)}}`],
      [
        'remove one of two users',
        `basic_auth_users: {a: ${HASH}, b: ${HASH}}`,
        `basic_auth_users: {a: ${HASH}}`,
      ],
      ['add basic auth', '', HASHED],
      ['start verifying client certificates', tls(), tls(verified)],
      [
        'change the SANs',
        tls(`${verified}, client_allowed_sans: [x]`),
        tls(`${verified}, client_allowed_sans: [y]`),
      ],
      ['change the rate limit or headers', HASHED, `${HASHED}\nrate_limit: {interval: 1s, burst: 9}`],
    ];
    for (const [what, before, after] of allowed)
      it(`allows a reload to ${what}`, () => {
        expect(loweredProtection(config(before), config(after))).to.equal(undefined);
      });
  });

  it('reads the SANs of a certificate as exporter-toolkit compares them', () => {
    expect(
      certificateSans({
        subjectaltname:
          'DNS:prometheus.monitoring.svc, IP Address:10.0.0.1, IP Address:0:0:0:0:0:0:0:1, email:ops@example.com, URI:spiffe://cluster.local/ns/monitoring/sa/prometheus, DNS:"a, b"',
      }),
    ).to.deep.equal([
      'prometheus.monitoring.svc',
      '10.0.0.1',
      '::1',
      'ops@example.com',
      'spiffe://cluster.local/ns/monitoring/sa/prometheus',
      'a, b',
    ]);
    expect(certificateSans({ subjectaltname: 'IP Address:FD00:0:0:1:0:0:0:5' })).to.deep.equal([
      'fd00:0:0:1::5',
    ]);
    expect(certificateSans({})).to.deep.equal([]);
  });

  for (const [what, text, message] of bad) {
    it(`rejects ${what} with a one-line reason`, () => {
      let error: unknown;
      try {
        parseWebConfig(text, '/d');
      } catch (err) {
        error = err;
      }
      expect(error).to.be.instanceOf(WebConfigError);
      const text2 = (error as Error).message;
      expect(text2).to.match(message);
      expect(text2).not.to.contain('\n');
      expect(text2).not.to.contain('hunter2');
    });
  }
});
