import {randomUUID} from 'node:crypto'

import {createContext, useContext} from 'react'

import {defaultConsumer} from '../src/cli/flags/default-consumer.js'
import type {ApiClient} from '../src/client/api-client.js'
import type {AppPaths} from '../src/config/paths.js'
import type {ScreenId} from './keymap.js'
import type {ServerTunnelCommand} from '../src/cli/ssh/session-jump.js'
import {ClientNotices} from './model/client-notices.js'
import {OfferStore} from './model/offer-store.js'
import {DEFAULT_INVENTORY_QUERY, type InventoryQuery} from './screens/inventory-state.js'

/** What the dashboard remembers while it hands the terminal to ssh and comes back. */
export interface UiMemory {
  screen: ScreenId
  inventory: InventoryQuery & {selectedId: string | null}
  sessions: {text: string; showEnded: boolean; selectedId: string | null}
}

/** Everything the screens reach outside React: the API (through src/client only), files, time. */
export interface TuiServices {
  /** Tells `clientNotices` instead of stderr when it waits out a rate limit. */
  client: ApiClient
  /** What the client says about requests in flight, for the status line. */
  clientNotices: ClientNotices
  /** Where the CLI keeps session keys; the dashboard provisions and connects like the CLI. */
  paths: AppPaths
  /** The server's base URL, for the status line. */
  serverUrl: string
  now(): number
  offers: OfferStore
  memory: UiMemory
  defaultConsumer: string
  /** For a team server: how ssh reaches a guest behind a node (through the server). */
  sshViaServer: ServerTunnelCommand | null
  /** Leaves the dashboard, runs ssh with this argv on the real terminal, then comes back. */
  runSsh(argv: readonly string[]): void
  /** Puts text on the user's clipboard (OSC 52); best effort. */
  copyToClipboard(text: string): void
  newIdempotencyKey(): string
  /** Shown once when the dashboard comes back (how ssh ended). */
  notice: {text: string; tone: 'info' | 'error'} | null
}

const ServicesContext = createContext<TuiServices | null>(null)

export const ServicesProvider = ServicesContext.Provider

export function useServices(): TuiServices {
  const services = useContext(ServicesContext)
  if (!services) throw new Error('useServices outside <ServicesProvider>')
  return services
}

export interface TuiServicesOptions {
  client: ApiClient
  paths: AppPaths
  sshViaServer?: ServerTunnelCommand | null
  now?: () => number
  runSsh: TuiServices['runSsh']
  copyToClipboard: TuiServices['copyToClipboard']
  consumer?: string
}

/** The dashboard's services over one client; the market starts loading when the caller says so. */
export function createTuiServices(options: TuiServicesOptions): TuiServices {
  const now = options.now ?? Date.now
  const clientNotices = new ClientNotices(now)
  // Ink owns the terminal: a line on stderr would tear the frame, so the status line says it.
  const client = options.client.withNotices(clientNotices.publish)
  return {
    client,
    clientNotices,
    paths: options.paths,
    serverUrl: client.baseUrl,
    now,
    offers: new OfferStore(client, {now}),
    memory: {
      screen: 'inventory',
      inventory: {...DEFAULT_INVENTORY_QUERY, selectedId: null},
      sessions: {text: '', showEnded: false, selectedId: null},
    },
    defaultConsumer: options.consumer ?? defaultConsumer(),
    sshViaServer: options.sshViaServer ?? null,
    runSsh: options.runSsh,
    copyToClipboard: options.copyToClipboard,
    newIdempotencyKey: () => `tui-${randomUUID()}`,
    notice: null,
  }
}
