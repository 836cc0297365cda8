// A plain node:http(s) client for tests that need what fetch hides: client certificates, the peer certificate,
// custom CAs per request, and fresh connections (agent: false) so every request does its own TLS handshake.
import http from 'node:http';
import https from 'node:https';
import type { TLSSocket } from 'node:tls';

export interface ClientOptions {
  method?: string;
  headers?: Record<string, string>;
  ca?: string;
  cert?: string;
  key?: string;
  /** user:password for basic auth. */
  auth?: string;
  timeoutMs?: number;
}

export interface ClientResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** Common name of the server certificate (HTTPS only). */
  peerCommonName?: string;
}

export function request(url: string, options: ClientOptions = {}): Promise<ClientResponse> {
  const secure = url.startsWith('https:');
  const headers = { ...(options.headers ?? {}) };
  if (options.auth) headers.authorization = `Basic ${Buffer.from(options.auth).toString('base64')}`;
  return new Promise((resolve, reject) => {
    const req = (secure ? https : http).request(
      url,
      {
        method: options.method ?? 'GET',
        headers,
        agent: false,
        ...(secure
          ? {
              ...(options.ca ? { ca: options.ca } : {}),
              ...(options.cert ? { cert: options.cert } : {}),
              ...(options.key ? { key: options.key } : {}),
            }
          : {}),
      },
      (res) => {
        const peer = secure ? (res.socket as TLSSocket).getPeerCertificate?.() : undefined;
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d) => {
          body += d;
        });
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body,
            ...(peer?.subject ? { peerCommonName: String(peer.subject.CN) } : {}),
          }),
        );
        res.on('error', reject);
      },
    );
    req.setTimeout(options.timeoutMs ?? 30_000, () => req.destroy(new Error('client timeout')));
    req.on('error', reject);
    req.end();
  });
}
