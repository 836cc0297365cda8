// Certificates for TLS tests, made with `selfsigned` (as the simulator does): a server certificate for 127.0.0.1,
// a client CA with a client certificate it signed, and a client certificate nobody trusts.
import { generate } from 'selfsigned';

export interface Pem {
  cert: string;
  key: string;
}

export interface TestCertificates {
  server: Pem;
  /** A second server certificate, to prove a reload switches certificates. */
  otherServer: Pem;
  clientCa: Pem;
  client: Pem;
  untrustedClient: Pem;
}

const validity = () => ({
  notBeforeDate: new Date(Date.now() - 60_000),
  notAfterDate: new Date(Date.now() + 24 * 3600_000),
});

function serverCert(cn: string): Promise<Pem> {
  return generate([{ name: 'commonName', value: cn }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    ...validity(),
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', digitalSignature: true, keyCertSign: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
        ],
      },
    ],
  }).then((p) => ({ cert: p.cert, key: p.private }));
}

function caCert(cn: string): Promise<Pem> {
  return generate([{ name: 'commonName', value: cn }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    ...validity(),
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', digitalSignature: true, keyCertSign: true, cRLSign: true, critical: true },
    ],
  }).then((p) => ({ cert: p.cert, key: p.private }));
}

function clientCert(cn: string, ca?: Pem): Promise<Pem> {
  return generate([{ name: 'commonName', value: cn }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    ...validity(),
    ...(ca ? { ca } : {}),
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, critical: true },
      { name: 'extKeyUsage', clientAuth: true },
    ],
  }).then((p) => ({ cert: p.cert, key: p.private }));
}

let cached: Promise<TestCertificates> | undefined;

export function testCertificates(): Promise<TestCertificates> {
  cached ??= (async () => {
    const clientCa = await caCert('netpol-test-client-ca');
    return {
      server: await serverCert('netpol-test-server'),
      otherServer: await serverCert('netpol-test-server-2'),
      clientCa,
      client: await clientCert('prometheus', clientCa),
      untrustedClient: await clientCert('mallory'),
    };
  })();
  return cached;
}
