import {type AppPaths, appPaths} from '../../config/paths.js'
import type {StoredCredentials} from './credentials.js'
import {type FileStore, fileStore} from './file-store.js'
import {type KeychainStore, KeychainUnavailableError, keychainStore} from './keychain-store.js'

export type StoreKind = 'keychain' | 'file'

export interface Found {
  credentials: StoredCredentials
  store: StoreKind
  /** Where, for a person: "the OS keychain (Secret Service)" or the file's path. */
  location: string
}

export interface SecretStoreDeps {
  keychain?: KeychainStore
  file?: FileStore
  paths?: AppPaths
  /** The one-time notice that secrets went to a file; stderr in the CLI. */
  warn: (message: string) => void
}

/**
 * Where login credentials live: the OS keychain first, keyed by server URL; a 0600 file under
 * the config directory when no keychain answers (a headless Linux box without D-Bus or a Secret
 * Service). Secrets degrade loudly: the first write to the file says so, naming it.
 * (GPU_SHOPPER_TOKEN never reaches this store: it is read where the connection is made.)
 */
export class SecretStore {
  private readonly keychain: KeychainStore
  private readonly file: FileStore
  private readonly warn: (message: string) => void
  /** Set once the keychain has failed in this run, so each call does not wait on it again. */
  private keychainDown: string | null = null

  constructor(deps: SecretStoreDeps) {
    this.keychain = deps.keychain ?? keychainStore()
    this.file = deps.file ?? fileStore(deps.paths ?? appPaths())
    this.warn = deps.warn
  }

  /** The keychain's copy wins over the file's: the file holds what was saved while no keychain answered. */
  async get(server: string): Promise<Found | null> {
    const fromKeychain = await this.tryKeychain((k) => k.get(server))
    if (fromKeychain) return {credentials: fromKeychain, store: 'keychain', location: this.keychain.location}
    const fromFile = await this.file.get(server)
    return fromFile ? {credentials: fromFile, store: 'file', location: this.file.location} : null
  }

  /** Saves to the keychain, else to the file; returns where they went. */
  async save(credentials: StoredCredentials): Promise<{store: StoreKind; location: string}> {
    const saved = await this.tryKeychain(async (k) => {
      await k.set(credentials)
      return true
    })
    if (saved) {
      // A copy left in the file from a keychain-less run would be a stale secret on disk.
      await this.file.delete(credentials.server)
      return {store: 'keychain', location: this.keychain.location}
    }
    const {created} = await this.file.set(credentials)
    if (created) {
      this.warn(
        `No OS keychain answered (${this.keychainDown ?? 'unavailable'}), so the login for ${credentials.server} is stored in the file ${this.file.location} (mode 0600, readable by your user only). ` +
          'Install and unlock a Secret Service (e.g. gnome-keyring) to keep it in a keychain instead.',
      )
    }
    return {store: 'file', location: this.file.location}
  }

  /** Deletes the server's credentials from both stores; returns the stores that held some. */
  async delete(server: string): Promise<StoreKind[]> {
    const deleted: StoreKind[] = []
    if (await this.tryKeychain((k) => k.delete(server))) deleted.push('keychain')
    if (await this.file.delete(server)) deleted.push('file')
    return deleted
  }

  private async tryKeychain<T>(call: (keychain: KeychainStore) => Promise<T>): Promise<T | null> {
    if (this.keychainDown !== null) return null
    try {
      return await call(this.keychain)
    } catch (err) {
      if (!(err instanceof KeychainUnavailableError)) throw err
      this.keychainDown = err.message.replace(/^no OS keychain answered: /, '')
      return null
    }
  }
}
