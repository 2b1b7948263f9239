import type {Clock} from '../../core/clock.js'
import type {MachineHardware} from './fake-shell.js'
import {reportedGpus, type SimMachine} from './machine.js'
import type {GpuLoad} from './nvidia-smi.js'
import {startSshEndpoint, type SshEndpoint} from './ssh-endpoint.js'

/** What an instance of either simulator holds that its sshd needs. */
export interface SshInstance {
  hostname: string
  gpuLoad: GpuLoad
  machine: SimMachine
  ssh: SshEndpoint | null
}

export interface InstanceSshServersOptions<I extends SshInstance> {
  /** The address the provider API tells clients to SSH to. */
  host: string
  /** Who may log in, as on the real hosts (`root` on Vast; `user` and `root` on TensorDock). */
  usernames: readonly string[]
  clock: Clock
  /** Asked on every login, so keys attached later and hosts not up yet follow the instance's state. */
  authorizedKeys(instance: I, username: string): readonly string[]
  /** What `df`, `free` and `nproc` report on the instance. */
  hardware(instance: I): MachineHardware
  /** Deleted, or dropped by a reset: an sshd that finishes starting for it closes at once. */
  isGone(instance: I): boolean
  /** A machine's disk or sshd port changed: state to write. */
  changed(): void
}

/**
 * Every simulated instance's own sshd on loopback: started when the instance is created (the
 * provider's state decides when logins work), stopped when it is deleted, and all of them closed,
 * those still starting included, on reset and close.
 */
export class InstanceSshServers<I extends SshInstance> {
  private readonly starting = new Set<Promise<unknown>>()
  private readonly running = new Set<I>()
  private closed = false

  constructor(private readonly options: InstanceSshServersOptions<I>) {}

  /** Gives the instance its sshd, with the machine's own host key, on its old port when that is free. */
  async start(instance: I): Promise<void> {
    if (this.closed) return
    const {host, usernames, clock} = this.options
    // Whatever the shell or SFTP writes to the disk is state to keep.
    instance.machine.fs.onChange = () => this.options.changed()
    const starting = startSshEndpoint({
      host,
      port: instance.machine.sshPort ?? 0,
      hostKey: instance.machine.hostKey.privateKey,
      username: usernames,
      authorizedKeys: (username) => this.options.authorizedKeys(instance, username),
      shell: {
        hostname: instance.hostname,
        gpuLoad: () => instance.gpuLoad,
        gpus: () => reportedGpus(instance.machine),
        now: () => clock.now(),
        fs: instance.machine.fs,
        hardware: this.options.hardware(instance),
      },
    })
    this.starting.add(starting)
    try {
      instance.ssh = await starting
      instance.machine.sshPort = instance.ssh.port
      this.running.add(instance)
      this.options.changed()
      // Deleted (or the simulator closed) while the endpoint was starting.
      if (this.closed || this.options.isGone(instance)) await this.stop(instance)
    } finally {
      this.starting.delete(starting)
    }
  }

  /** After a restart: each live instance's sshd comes back. */
  async resume(instances: readonly I[]): Promise<void> {
    await Promise.all(instances.map((i) => this.start(i)))
  }

  async stop(instance: I): Promise<void> {
    this.running.delete(instance)
    await instance.ssh?.close()
  }

  /** Stops every sshd, waiting for those still starting (a reset). */
  async stopAll(): Promise<void> {
    await Promise.allSettled([...this.starting])
    await Promise.all([...this.running].map((i) => this.stop(i)))
  }

  /** Stops every sshd for good: an instance created after this gets none. */
  async close(): Promise<void> {
    this.closed = true
    await this.stopAll()
  }
}
