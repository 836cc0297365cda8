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
  /** Signed by clientCa, with SANs: DNS prometheus.monitoring.svc, URI spiffe://cluster.local/ns/monitoring/sa/prometheus. */
  sanClient: Pem;
  untrustedClient: Pem;
}

type Extensions = NonNullable<Parameters<typeof generate>[1]>['extensions'];

/** An EC P-256 certificate valid from a minute ago for a day, self-signed unless a CA is given. */
function certificate(cn: string, extensions: Extensions, ca?: Pem): Promise<Pem> {
  return generate([{ name: 'commonName', value: cn }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: new Date(Date.now() - 60_000),
    notAfterDate: new Date(Date.now() + 24 * 3600_000),
    ...(ca ? { ca } : {}),
    extensions,
  }).then((p) => ({ cert: p.cert, key: p.private }));
}

const serverCert = (cn: string) =>
  certificate(cn, [
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
  ]);

const caCert = (cn: string) =>
  certificate(cn, [
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyCertSign: true, cRLSign: true, critical: true },
  ]);

const clientCert = (cn: string, ca?: Pem, altNames?: Array<{ type: 2 | 6; value: string }>) =>
  certificate(
    cn,
    [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, critical: true },
      { name: 'extKeyUsage', clientAuth: true },
      ...(altNames ? [{ name: 'subjectAltName' as const, altNames }] : []),
    ],
    ca,
  );

let cached: Promise<TestCertificates> | undefined;

export function testCertificates(): Promise<TestCertificates> {
  cached ??= (async () => {
    const clientCa = await caCert('netpol-test-client-ca');
    return {
      server: await serverCert('netpol-test-server'),
      otherServer: await serverCert('netpol-test-server-2'),
      clientCa,
      client: await clientCert('prometheus', clientCa),
      sanClient: await clientCert('scraper', clientCa, [
        { type: 2, value: 'prometheus.monitoring.svc' },
        { type: 6, value: 'spiffe://cluster.local/ns/monitoring/sa/prometheus' },
      ]),
      untrustedClient: await clientCert('mallory'),
    };
  })();
  return cached;
}
