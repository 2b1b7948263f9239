import {parseArgs} from 'node:util'

import {systemClock} from '../src/core/clock.js'
import {appPaths, databaseFile, sessionKeysDir} from '../src/config/paths.js'
import {createLogger} from '../src/log/logger.js'
import {DEFAULT_TIMINGS, type ServiceContext} from '../src/services/context.js'
import {Reconciler} from '../src/services/reconciler.js'
import {SessionEventBus} from '../src/services/session-event-bus.js'
import {Store} from '../src/store/store.js'
import {acquireDaemonLock} from './daemon-lock.js'
import {loadOrCreateDaemonKey} from './daemon-keys.js'
import {buildProviders} from './providers.js'
import {reconcileReplyOf} from './reconcile-report.js'

/**
 * `gpu-shopper reconcile` when no daemon is running: takes the daemon lock (so no daemon can
 * start meanwhile), talks to the providers directly, prints the report as JSON and exits.
 * Orphans are destroyed at once here: the user asked for it with the daemon down.
 */
async function main(): Promise<void> {
  const {values} = parseArgs({options: {'dry-run': {type: 'boolean', default: false}}, strict: true})
  const paths = appPaths()
  const log = createLogger({level: 'warn', destination: process.stderr})
  const releaseLock = acquireDaemonLock(paths.data)
  const store = Store.open(databaseFile(paths))
  const built = await buildProviders({env: process.env, clock: systemClock, log, simulate: false, store})
  try {
    const deploymentId = await store.meta.get('deployment_id')
    if (!deploymentId) throw new Error('this data dir has never run a daemon: there is nothing of ours to reconcile')
    if (built.registry.entries().length === 0) throw new Error('no provider is configured (set VASTAI_API_KEY / TENSORDOCK_API_TOKEN, or register a node)')
    const ctx: ServiceContext = {
      store,
      clock: systemClock,
      providers: built.registry,
      events: new SessionEventBus(),
      log,
      deploymentId,
      processId: `reconcile:${process.pid}`,
      daemonKey: loadOrCreateDaemonKey(sessionKeysDir(paths)),
      simulated: false,
      timings: DEFAULT_TIMINGS,
    }
    const report = await new Reconciler(ctx).run({dryRun: values['dry-run'], orphanGraceMs: 0})
    process.stdout.write(JSON.stringify(reconcileReplyOf(report, deploymentId, false)) + '\n')
  } finally {
    await built.close()
    await store.close()
    releaseLock()
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`)
  process.exit(1)
})
