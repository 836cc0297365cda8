// Structured logs with pino, as JSON or logfmt (the Prometheus ecosystem's default). Credentials never reach
// a log line: the exporter logs no request headers, and these paths are redacted should one slip through.
import { type Logger, pino } from 'pino';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFormat = 'logfmt' | 'json';

const REDACT = ['token', 'authorization', 'headers.authorization', '*.token', 'password', 'user.token'];

export interface Writable {
  write(chunk: string): unknown;
}

function logfmtValue(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return /^[^\s"=\\]+$/.test(text) ? text : JSON.stringify(text);
}

/** Turns pino's JSON lines into logfmt: `ts=… level=info msg="…" key=value`. */
export function logfmtStream(out: Writable): Writable {
  return {
    write(line: string) {
      let record: Record<string, unknown>;
      try {
        record = JSON.parse(line);
      } catch {
        return out.write(line);
      }
      const { time, level, msg, pid: _pid, hostname: _host, ...rest } = record;
      const parts = [`ts=${new Date(Number(time)).toISOString()}`, `level=${logfmtValue(level)}`];
      if (msg !== undefined) parts.push(`msg=${logfmtValue(msg)}`);
      for (const [key, value] of Object.entries(rest)) parts.push(`${key}=${logfmtValue(value)}`);
      return out.write(`${parts.join(' ')}\n`);
    },
  };
}

const dropWriteError = () => {};

export function createLogger(level: LogLevel, format: LogFormat, out: Writable = process.stderr): Logger {
  // When the terminal hangs up or the reader of a pipe exits, writing fails (EIO, EPIPE) and, unheard, the error
  // would end the process: the lines are lost instead, and the exporter keeps serving.
  if (out === process.stderr && !process.stderr.listeners('error').includes(dropWriteError))
    process.stderr.on('error', dropWriteError);
  const options = {
    level,
    base: undefined,
    redact: { paths: REDACT, censor: '[redacted]' },
    formatters: { level: (label: string) => ({ level: label }) },
  };
  return pino(options, format === 'json' ? out : logfmtStream(out));
}
