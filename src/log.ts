/**
 * Logging, through pino (Fastify's own logger, so the HTTP layer and the rest log alike).
 *
 * Lines go to stderr: stdout is for what commands print (tokens, configurations), which a log
 * line must never corrupt. They are JSON when stderr is not a terminal (log shippers read them),
 * readable `time level message key=value` lines on a terminal; LOG_FORMAT overrides.
 *
 * Callers pass facts, never secrets: tokens, stream keys, passcodes and hook secrets are not
 * logged anywhere in Slotcast. Two lines of defence behind that rule: values under
 * secret-sounding keys are masked before they reach pino, and pino's `redact` censors the
 * known places such values could still sit (request headers, nested fields).
 */
import { Writable } from 'node:stream';
import type { Logger as PinoLogger } from 'pino';
import { pino } from 'pino';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFormat = 'json' | 'pretty';

const SECRET_KEY = /token|secret|password|passcode|stream_?key|authorization|cookie/i;
const CENSOR = '[redacted]';

/** pino's redact paths: where a secret could sit although no caller puts one there. */
export const REDACT_PATHS = [
  'token',
  'passcode',
  'password',
  'secret',
  'streamKey',
  'hookSecret',
  'authorization',
  'cookie',
  '*.token',
  '*.passcode',
  '*.password',
  '*.secret',
  '*.streamKey',
  '*.hookSecret',
  '*.authorization',
  '*.cookie',
  'req.headers.authorization',
  'req.headers.cookie',
  'req.query',
  'headers.authorization',
  'headers.cookie',
];

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  /** The pino logger underneath, for Fastify; absent on hand-made loggers (tests' silence). */
  readonly pino?: PinoLogger;
}

export interface LoggerOptions {
  level?: LogLevel;
  /** Default: pretty on a terminal, JSON otherwise. */
  format?: LogFormat;
  /** Where each finished line goes (without its newline); default stderr. */
  write?: (line: string) => void;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const format = options.format ?? (process.stderr.isTTY ? 'pretty' : 'json');
  const write = options.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const logger = pino(
    {
      level: options.level ?? 'info',
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACT_PATHS, censor: CENSOR },
    },
    lineStream((line) => write(format === 'pretty' ? prettyLine(line) : line)),
  );
  return wrap(logger);
}

/** Our call shape — `(message, fields)` — over pino's `(fields, message)`. */
function wrap(logger: PinoLogger): Logger {
  const at = (level: LogLevel) => (message: string, fields?: Record<string, unknown>) => {
    if (!logger.isLevelEnabled(level)) return;
    logger[level](fields ? maskSecrets(fields) : {}, message);
  };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), pino: logger };
}

function maskSecrets(fields: Record<string, unknown>): Record<string, unknown> {
  const masked: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    masked[key] = SECRET_KEY.test(key)
      ? CENSOR
      : value instanceof Error
        ? bounded(value.message, ERROR_MAX_CHARS)
        : boundedValue(value, key === 'error' ? ERROR_MAX_CHARS : FIELD_MAX_CHARS, 0);
  }
  return masked;
}

/**
 * The most characters of one field's text a line holds. Some facts come from outside: a streaming
 * server's hook call supplies client ids, names, addresses and arguments of any length (a 250 KB
 * client id once made a 250 KB line). Error messages get more room: they carry the diagnosis.
 */
export const FIELD_MAX_CHARS = 200;
const ERROR_MAX_CHARS = 2_000;

/** `text`, or its first `max` characters and a marker saying how much was cut. */
export function bounded(text: string, max = FIELD_MAX_CHARS): string {
  return text.length <= max ? text : `${text.slice(0, max)}…[${text.length - max} more characters cut]`;
}

/** Texts bounded inside objects and arrays too (a few levels: fields are facts, not documents). */
function boundedValue(value: unknown, max: number, depth: number): unknown {
  if (typeof value === 'string') return bounded(value, max);
  if (depth >= 3 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => boundedValue(item, max, depth + 1));
  // Plain objects only: a Date, URL or Buffer is written as its own JSON says.
  const prototype = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return value;
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, boundedValue(item, max, depth + 1)]));
}

/** pino writes whole lines; hands each one, without its newline, to `write`. */
function lineStream(write: (line: string) => void): Writable {
  return new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line) write(line);
      done();
    },
  });
}

const PRETTY_SKIP = new Set(['time', 'level', 'msg']);

/** `2026-12-02T18:00:00.000Z info  message key=value …` from one of pino's JSON lines. */
export function prettyLine(json: string): string {
  const record = JSON.parse(json) as Record<string, unknown>;
  const extra = Object.entries(record)
    .filter(([key]) => !PRETTY_SKIP.has(key))
    .map(
      ([key, value]) =>
        `${key}=${typeof value === 'string' && /^[\w.:/@-]+$/.test(value) ? value : JSON.stringify(value)}`,
    )
    .join(' ');
  return `${record.time} ${String(record.level).padEnd(5)} ${record.msg ?? ''}${extra ? ` ${extra}` : ''}`;
}

/** For tests and tools that want silence. */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** Turns anything thrown into an Error, so handlers can rely on `.message`. */
export function coerceError(thrown: unknown): Error {
  return thrown instanceof Error ? thrown : new Error(String(thrown));
}
