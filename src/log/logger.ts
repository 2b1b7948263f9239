import pino from 'pino'

export type Logger = pino.Logger

/**
 * Paths pino blanks wherever they appear. Secrets inside free text are scrubbed separately
 * by `scrubSecrets` before they are logged.
 */
const REDACT = [
  'req.headers.authorization',
  'headers.authorization',
  'authorization',
  'token',
  'apiKey',
  'api_key',
  'privateKey',
  'private_key',
  'ssh_private_key',
  '*.token',
  '*.apiKey',
  '*.privateKey',
  '*.ssh_private_key',
]

export function createLogger(options: {level?: string; destination?: NodeJS.WritableStream} = {}): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      redact: {paths: REDACT, censor: '[redacted]'},
      base: {service: 'gpu-shopper'},
    },
    options.destination ?? process.stdout,
  )
}

const SECRET_PATTERNS: RegExp[] = [
  /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g,
  /(Bearer\s+)[A-Za-z0-9._~+/=-]+/gi,
  /([?&]api_key=)[^&\s]+/gi,
]

/** Removes private keys, bearer tokens and `api_key=` values from free text. */
export function scrubSecrets(text: string): string {
  return SECRET_PATTERNS.reduce((acc, re) => acc.replace(re, (_m, keep?: string) => (typeof keep === 'string' ? `${keep}[redacted]` : '[redacted private key]')), text)
}
