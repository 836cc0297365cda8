import bcrypt from 'bcryptjs';
import { expect } from 'chai';
import { parseWebConfig, WebConfigError } from '../../src/http/web-config.ts';

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
      clientAuthType: 'RequireAndVerifyClientCert',
      minVersion: 'TLSv1.3',
      maxVersion: undefined,
    });
    expect([...c.users]).to.deep.equal([['prometheus', HASH]]);
  });

  it('an empty file means plain HTTP without authentication, and TLS defaults to TLS 1.2 without client certs', () => {
    expect(parseWebConfig('', '/')).to.deep.equal({ tls: undefined, users: new Map() });
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
      /unknown key "tls_config".*supported: tls_server_config, basic_auth_users/,
    ],
    ['TLS without a key', 'tls_server_config: {cert_file: a}', /needs both cert_file and key_file/],
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
