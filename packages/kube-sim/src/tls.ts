// A serving certificate for 127.0.0.1/localhost, generated at start and handed to clients as their CA (the
// certificate is its own CA, so kubectl's and undici's verification both succeed without skip-verify).

import { generate } from 'selfsigned';

export interface ServingCert {
  cert: string;
  key: string;
}

// One certificate per process: generating costs tens of milliseconds and tests start many servers.
let cached: Promise<ServingCert> | undefined;

export function servingCertificate(): Promise<ServingCert> {
  cached ??= generate([{ name: 'commonName', value: 'netpol-simulator' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: new Date(Date.now() - 60_000),
    notAfterDate: new Date(Date.now() + 365 * 24 * 3600_000),
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, keyCertSign: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
        ],
      },
    ],
  }).then((pems) => ({ cert: pems.cert, key: pems.private }));
  return cached;
}
