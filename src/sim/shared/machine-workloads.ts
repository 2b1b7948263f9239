import type {WorkloadHost} from './fake-shell.js'
import type {SimMachine} from './machine.js'
import {serveModel, type ModelServer} from './model-server.js'
import {readyLog, type LaunchedModelServer, type LaunchOutcome, type ModelServerLaunch, type StartedModelServer} from './model-server-programs.js'

/**
 * Where a connection to one of the machine's ports comes from: the machine itself (an SSH
 * forward to 127.0.0.1), or the network (a published port, which reaches the container's own
 * address, not its loopback).
 */
export type ConnectionOrigin = 'machine' | 'network'

export interface MachineWorkloadsOptions {
  machine: SimMachine
  /** The image the machine runs: which model-server programs exist on it. */
  image: string
  clock: {now(): number}
  /** How long a model server launched now takes to load: the simulator's config at that moment. */
  modelLoadMs(): number
  /** Something the state files keep changed. */
  changed(): void
}

/** Binding these reaches every interface; the loopback ones only the machine itself. */
const ALL_INTERFACES = new Set(['0.0.0.0', '::', ''])
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1'])
/** The machine's sshd listens on 22: a server asking for it finds it in use. */
const SSHD_PORT = 22

/**
 * The servers workloads started on one machine, at most one per port as the kernel allows:
 * each a real loopback HTTP server (model-server.ts) behind the port it asked for. The
 * launches are kept on the machine (SimMachine.workloads), so a restarted simulator brings
 * them back with the same load deadline; a power-off ends them for good.
 */
export class MachineWorkloads implements WorkloadHost {
  private readonly servers = new Map<number, Promise<ModelServer | null>>()
  private stopped = false

  constructor(private readonly options: MachineWorkloadsOptions) {}

  get image(): string {
    return this.options.image
  }

  launchModelServer(launch: ModelServerLaunch, logPath: string | null): LaunchOutcome {
    const {machine, clock} = this.options
    const now = clock.now()
    const process: StartedModelServer = {...launch, launchedAt: now, pid: 200 + 37 * machine.workloads.length}
    if (!ALL_INTERFACES.has(launch.host) && !LOOPBACK.has(launch.host)) return {failed: process, error: {errno: 99, message: 'cannot assign requested address'}}
    if (launch.port === SSHD_PORT || machine.workloads.some((w) => w.port === launch.port)) return {failed: process, error: {errno: 98, message: 'address already in use'}}
    const readyAt = now + this.options.modelLoadMs()
    // Already loaded (a zero load time): the launching program prints the ready lines itself, in order.
    const started: LaunchedModelServer = {...process, readyAt, logPath, readyLogged: readyAt <= now}
    machine.workloads.push(started)
    this.run(started)
    this.options.changed()
    return {started}
  }

  /** After a simulator restart: every server that was running listens again, loading or loaded as its clock says. */
  resume(): void {
    for (const launched of this.options.machine.workloads) this.run(launched)
  }

  /** Appends the ready lines of servers that have loaded since last looked at, to the log they write. */
  catchUp(): void {
    const {machine, clock} = this.options
    const now = clock.now()
    for (const launched of machine.workloads) {
      if (launched.readyLogged || now < launched.readyAt) continue
      launched.readyLogged = true
      // A log removed meanwhile is gone for good: the process writes to the unlinked file.
      if (launched.logPath !== null && machine.fs.stat(launched.logPath)?.kind === 'file') {
        try {
          machine.fs.writeFile(launched.logPath, Buffer.from(readyLog(launched, launched.readyAt)), {append: true})
        } catch {
          // A full disk loses log lines, as it does for the real server.
        }
      }
      this.options.changed()
    }
  }

  /** The loopback port of the server behind the machine's `port` for a connection from `origin`; null when none answers there. */
  async target(port: number, origin: ConnectionOrigin): Promise<number | null> {
    const launched = this.options.machine.workloads.find((w) => w.port === port)
    if (!launched || (origin === 'network' && !ALL_INTERFACES.has(launched.host))) return null
    const server = await this.servers.get(port)
    return server?.port ?? null
  }

  /** What runs on the machine, for the control API. */
  describe(): Record<string, unknown>[] {
    const now = this.options.clock.now()
    return this.options.machine.workloads.map((w) => ({
      kind: w.kind,
      model: w.model,
      host: w.host,
      port: w.port,
      pid: w.pid,
      launched_at: w.launchedAt,
      ready_at: w.readyAt,
      state: now < w.readyAt ? 'loading' : 'ready',
      log_path: w.logPath,
    }))
  }

  /** Closes every server (the simulator stops or the instance is deleted); the launches stay on the machine. */
  async stop(): Promise<void> {
    this.stopped = true
    const closing = [...this.servers.values()].map(async (starting) => (await starting)?.close())
    this.servers.clear()
    await Promise.all(closing)
  }

  /** The machine powered off: its processes are gone, and nothing comes back when it starts again. */
  async kill(): Promise<void> {
    await this.stop()
    this.stopped = false
    if (this.options.machine.workloads.length > 0) {
      this.options.machine.workloads = []
      this.options.changed()
    }
  }

  private run(launched: LaunchedModelServer): void {
    if (this.stopped) return
    const {clock} = this.options
    const starting = serveModel({kind: launched.kind, model: launched.model, readyAt: launched.readyAt, clock, onRequest: () => this.catchUp()}).then(
      async (server) => {
        if (!this.stopped) return server
        await server.close()
        return null
      },
      () => null,
    )
    this.servers.set(launched.port, starting)
  }
}
