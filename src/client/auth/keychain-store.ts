import {type StoredCredentials, parseCredentials} from './credentials.js'

/** The service name credentials are filed under in the OS keychain; the account is the server URL. */
export const KEYCHAIN_SERVICE = 'gpu-shopper'

/**
 * How long one keychain call may take. A missing Secret Service fails in milliseconds; a
 * keychain that hangs (a D-Bus peer that never answers) must not hang every command, and then
 * the file store takes over.
 */
const KEYCHAIN_TIMEOUT_MS = 10_000

/** The keychain did not answer, or refused; the caller falls back to the file. */
export class KeychainUnavailableError extends Error {
  constructor(reason: string) {
    super(`no OS keychain answered: ${reason}`)
    this.name = 'KeychainUnavailableError'
  }
}

export interface KeychainStore {
  readonly kind: 'keychain'
  readonly location: string
  get(server: string): Promise<StoredCredentials | null>
  set(credentials: StoredCredentials): Promise<void>
  delete(server: string): Promise<boolean>
}

export function keychainLocation(platform: NodeJS.Platform = process.platform): string {
  if (platform === 'darwin') return 'the macOS Keychain'
  if (platform === 'win32') return 'the Windows Credential Manager'
  return 'the OS keychain (Secret Service)'
}

/**
 * The OS keychain through @napi-rs/keyring, a native module loaded on first use only. On Linux
 * it is pinned to the Secret Service: the library's own fallback, the kernel keyring, forgets
 * everything at logout, and a login that vanishes silently is worse than a file the user was
 * told about.
 */
export function keychainStore(): KeychainStore {
  const entry = async (server: string) => {
    try {
      // A platform without a prebuilt binary fails here: the file store takes over.
      const {AsyncEntry} = await import('@napi-rs/keyring')
      return new AsyncEntry(KEYCHAIN_SERVICE, server, {linux: {store: 'secret-service'}})
    } catch (err) {
      throw new KeychainUnavailableError(reasonOf(err))
    }
  }
  return {
    kind: 'keychain',
    location: keychainLocation(),
    async get(server) {
      const e = await entry(server)
      return parseCredentials(await withDeadline((signal) => e.getPassword(signal)))
    },
    async set(credentials) {
      const e = await entry(credentials.server)
      await withDeadline((signal) => e.setPassword(JSON.stringify(credentials), signal))
    },
    async delete(server) {
      const e = await entry(server)
      return withDeadline((signal) => e.deleteCredential(signal))
    },
  }
}

async function withDeadline<T>(call: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const signal = AbortSignal.timeout(KEYCHAIN_TIMEOUT_MS)
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new KeychainUnavailableError(`no answer in ${KEYCHAIN_TIMEOUT_MS / 1000} s`)), KEYCHAIN_TIMEOUT_MS)
    timer.unref()
  })
  try {
    return await Promise.race([call(signal), deadline])
  } catch (err) {
    throw err instanceof KeychainUnavailableError ? err : new KeychainUnavailableError(reasonOf(err))
  } finally {
    clearTimeout(timer)
  }
}

function reasonOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
