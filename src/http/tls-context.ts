// The TLS side of the web config: Node's server options from the file's settings and PEM, and the client-certificate
// checks the handshake itself cannot make (per request, as exporter-toolkit does them).
import type { IncomingMessage } from 'node:http';
import type https from 'node:https';
import { isIPv6 } from 'node:net';
import { createSecureContext, DEFAULT_CIPHERS, type PeerCertificate, type TLSSocket } from 'node:tls';
import {
  CIPHER_SUITES,
  CURVES,
  type TlsMaterial,
  type TlsSettings,
  WebConfigError,
} from './web-config-file.ts';

const TLS13_SUITES = DEFAULT_CIPHERS.split(':').filter((name) => name.startsWith('TLS_'));

/** Node's server options for the settings, checked by building a context once; throws WebConfigError. */
export function secureOptions(t: TlsSettings, { cert, key, ca }: TlsMaterial): https.ServerOptions {
  const ciphers = t.cipherSuites
    ?.map((name) => CIPHER_SUITES[name])
    .filter((name): name is string => typeof name === 'string');
  const secure: https.ServerOptions = {
    cert,
    key,
    ...(ca ? { ca } : {}),
    requestCert: t.clientAuthType !== 'NoClientCert',
    // Only this policy can be enforced in the handshake; the weaker ones are checked per request (certificateRefusal).
    rejectUnauthorized: t.clientAuthType === 'RequireAndVerifyClientCert',
    minVersion: t.minVersion,
    ...(t.maxVersion ? { maxVersion: t.maxVersion } : {}),
    // Node drops TLS 1.3 when the list names no TLS 1.3 suite; Go never lets the list touch TLS 1.3.
    ...(ciphers ? { ciphers: [...ciphers, ...TLS13_SUITES].join(':') } : {}),
    ...(t.curvePreferences ? { ecdhCurve: t.curvePreferences.map((name) => CURVES[name]).join(':') } : {}),
    honorCipherOrder: t.preferServerCipherSuites,
  };
  try {
    createSecureContext(secure);
  } catch (err) {
    // OpenSSL's messages ("key values mismatch", "no start line", "no cipher match") name no secret.
    throw new WebConfigError(`cannot use the TLS settings: ${(err as Error).message}`);
  }
  return secure;
}

/** The policies the handshake cannot enforce (it refuses only under RequireAndVerifyClientCert), and the SANs. */
export function certificateRefusal(req: IncomingMessage, tls: TlsSettings): string | undefined {
  const socket = req.socket as TLSSocket;
  const cert = socket.getPeerCertificate?.();
  const presented = cert !== undefined && cert !== null && Object.keys(cert).length > 0;
  const policy = tls.clientAuthType;
  if (policy === 'RequireAnyClientCert' && !presented) return 'client certificate required\n';
  if (policy === 'VerifyClientCertIfGiven' && presented && !socket.authorized)
    return 'client certificate not trusted\n';
  const allowed = tls.clientAllowedSans;
  if (allowed) {
    if (!presented) return 'client certificate required\n';
    if (!certificateSans(cert).some((san) => allowed.includes(san)))
      return 'client certificate has no allowed SAN\n';
  }
  return undefined;
}

/** The SANs of a certificate as exporter-toolkit compares them: DNS names, e-mail addresses, IPs and URIs. */
export function certificateSans(cert: Pick<PeerCertificate, 'subjectaltname'>): string[] {
  const text = cert.subjectaltname ?? '';
  const sans: string[] = [];
  // Node writes `DNS:a, IP Address:1.2.3.4, email:x@y, URI:spiffe://z`, quoting (as JSON) a value with a comma.
  const entry = /(DNS|IP Address|email|URI):("(?:[^"\\]|\\.)*"|[^,]*)(?:, |$)/g;
  for (const match of text.matchAll(entry)) {
    const [, kind = '', raw = ''] = match;
    let value = raw;
    if (raw.startsWith('"')) {
      try {
        value = JSON.parse(raw) as string;
      } catch {
        continue;
      }
    }
    sans.push(kind === 'IP Address' && isIPv6(value) ? canonicalIPv6(value) : value);
  }
  return sans;
}

/** IPv6 as Go's net.IP.String() writes it: lower case, longest run of zero groups as `::`. */
function canonicalIPv6(address: string): string {
  const [head = '', tail] = address.toLowerCase().split('::');
  const left = head ? head.split(':') : [];
  const right = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const groups = [...left, ...Array(8 - left.length - right.length).fill('0'), ...right].map((g) =>
    String(Number.parseInt(g, 16).toString(16)),
  );
  let best = { at: -1, length: 0 };
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > best.length && j - i > 1) best = { at: i, length: j - i };
    i = j;
  }
  if (best.at < 0) return groups.join(':');
  return `${groups.slice(0, best.at).join(':')}::${groups.slice(best.at + best.length).join(':')}`;
}
