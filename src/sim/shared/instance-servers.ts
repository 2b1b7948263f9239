import type {Clock} from '../../core/clock.js'
import type {MachineHardware} from './fake-shell.js'
import {reportedGpus, type SimMachine} from './machine.js'
import {MachineWorkloads} from './machine-workloads.js'
import type {GpuLoad} from './nvidia-smi.js'
import {publishPort, type PublishedPort} from './published-port.js'
import {recordOomKill} from './oom-kill.js'
import {startSshEndpoint, type SshEndpoint} from './ssh-endpoint.js'

/** What an instance of either simulator holds that its servers need. */
export interface ServedInstance {
  hostname: string
  gpuLoad: GpuLoad
  machine: SimMachine
  ssh: SshEndpoint | null
}

/** One port the provider publishes for an instance: a container (or VM) port, and the host port it had or asked for. */
export interface PortToPublish {
  /** How the provider names it in its records (`"8000/tcp"`, `"8000"`). */
  key: string
  containerPort: number
  protocol: 'tcp' | 'udp'
  /** The host port to take when free (the one it had before a restart, or one asked for); 0: any free one. */
  preferredHostPort: number
  /** A host port it must not get (the simulator is told to hand out other ports than those requested). */
  avoidHostPort?: number
}

export interface InstanceServersOptions<I extends ServedInstance> {
  /** The address the provider API tells clients to SSH to and to reach published ports on. */
  host: string
  /** Who may log in, as on the real hosts (`root` on Vast; `user` and `root` on TensorDock). */
  usernames: readonly string[]
  clock: Clock
  /** Asked on every login, so keys attached later and hosts not up yet follow the instance's state. */
  authorizedKeys(instance: I, username: string): readonly string[]
  /** What `df`, `free` and `nproc` report on the instance. */
  hardware(instance: I): MachineHardware
  /** Deleted, or dropped by a reset: servers that finish starting for it close at once. */
  isGone(instance: I): boolean
  /** The image it runs: which model servers can be launched on it. */
  image(instance: I): string
  /** Not stopped by its renter: only then are its ports published and its workloads running. */
  isPoweredOn(instance: I): boolean
  /** Its container or VM is up now: only then does a published port or an SSH forward reach its servers. */
  isUp(instance: I): boolean
  /** The ports the provider publishes for it. */
  portsToPublish(instance: I): PortToPublish[]
  /** Records the host port a published port got, for the API to report. */
  portPublished(instance: I, port: PortToPublish, hostPort: number): void
  /** How long a model server launched now takes to load (the simulator's config at the launch). */
  modelLoadMs(): number
  /** State to write: a machine's disk, its workloads, its sshd or published ports changed. */
  changed(): void
}

/** The live side of one instance: the servers its workloads started and the host ports published for it. */
interface InstanceRuntime {
  workloads: MachineWorkloads
  ports: PublishedPort[]
}

/**
 * The real servers behind every simulated instance, on loopback: its own sshd (started when
 * the instance is created; the provider's state decides when logins work), the model servers its
 * workloads launch, and the host ports the provider publishes for it, each piping to whatever
 * serves that port in the machine. A power-off ends the workloads and unpublishes the ports; a
 * delete closes everything; reset and close close all of it, what is still starting included.
 */
export class InstanceServers<I extends ServedInstance> {
  private readonly starting = new Set<Promise<unknown>>()
  private readonly running = new Map<I, InstanceRuntime>()
  private closed = false

  constructor(private readonly options: InstanceServersOptions<I>) {}

  /**
   * Gives the instance its sshd (with the machine's own host key, on its old port when that is
   * free) and, when it is powered on, its published ports and the workloads it ran before a restart.
   */
  async start(instance: I): Promise<void> {
    if (this.closed) return
    const {host, usernames, clock} = this.options
    // Whatever the shell or SFTP writes to the disk is state to keep.
    instance.machine.fs.onChange = () => this.options.changed()
    const workloads = new MachineWorkloads({
      machine: instance.machine,
      image: this.options.image(instance),
      clock,
      modelLoadMs: () => this.options.modelLoadMs(),
      changed: () => this.options.changed(),
    })
    const runtime: InstanceRuntime = {workloads, ports: []}
    const starting = (async () => {
      const ssh = await startSshEndpoint({
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
          workloads,
          // A container (an overlay root, Vast.ai) may not read the kernel's log; a VM may.
          kernelLog: () => (this.options.hardware(instance).rootDevice === 'overlay' ? null : instance.machine.kernelLog),
        },
        // The machine's own sshd listens on its port 22.
        forward: async (port) => (!this.options.isUp(instance) ? null : port === 22 ? (instance.ssh?.port ?? null) : workloads.target(port, 'machine')),
      })
      instance.ssh = ssh
      instance.machine.sshPort = ssh.port
      this.running.set(instance, runtime)
      if (this.options.isPoweredOn(instance)) {
        workloads.resume()
        await this.publish(instance, runtime)
      }
      this.options.changed()
    })()
    this.starting.add(starting)
    try {
      await starting
      // Deleted (or the simulator closed) while its servers were starting: what started after the stop closes too.
      if (this.closed || this.options.isGone(instance)) {
        this.running.delete(instance)
        await closeRuntime(instance, runtime)
      }
    } finally {
      this.starting.delete(starting)
    }
  }

  /** After a restart: each live instance's servers come back. */
  async resume(instances: readonly I[]): Promise<void> {
    await Promise.all(instances.map((i) => this.start(i)))
  }

  /** The instance is gone (deleted, vanished): everything of it closes. */
  async stop(instance: I): Promise<void> {
    const runtime = this.running.get(instance)
    this.running.delete(instance)
    await closeRuntime(instance, runtime)
  }

  /** The renter stopped it: its processes end and its ports close (its sshd stays, refusing logins while it is down). */
  async powerOff(instance: I): Promise<void> {
    const runtime = this.running.get(instance)
    if (!runtime) return
    const ports = runtime.ports.splice(0)
    await Promise.all([runtime.workloads.kill(), ...ports.map((p) => p.close())])
  }

  /** Started again: its ports are published anew (on the same host ports when they are free). */
  async powerOn(instance: I): Promise<void> {
    const runtime = this.running.get(instance)
    if (!runtime || runtime.ports.length > 0) return
    await this.publish(instance, runtime)
    this.options.changed()
  }

  /**
   * The kernel killed the machine's workload for want of memory: its servers end (published ports
   * stay, answering nothing), and the kernel log, the cgroup and the workload's log say so.
   */
  async oomKill(instance: I, processName: string, bootedAt: number): Promise<{pid: number}> {
    const machine = instance.machine
    const killed = machine.workloads
    const pid = killed[0]?.pid ?? 4242
    await this.running.get(instance)?.workloads.kill()
    recordOomKill(machine, {
      pid,
      processName,
      at: this.options.clock.now(),
      bootedAt,
      container: this.options.hardware(instance).rootDevice === 'overlay',
      logPaths: killed.map((w) => w.logPath).filter((p): p is string => p !== null),
    })
    this.options.changed()
    return {pid}
  }

  /** What runs on the instance's machine, for the control API. */
  workloadsOf(instance: I): Record<string, unknown>[] {
    return this.running.get(instance)?.workloads.describe() ?? []
  }

  /** Stops every instance's servers, waiting for those still starting (a reset). */
  async stopAll(): Promise<void> {
    await Promise.allSettled([...this.starting])
    await Promise.all([...this.running.keys()].map((i) => this.stop(i)))
  }

  /** Stops everything for good: an instance created after this gets no servers. */
  async close(): Promise<void> {
    this.closed = true
    await this.stopAll()
  }

  private async publish(instance: I, runtime: InstanceRuntime): Promise<void> {
    const {host} = this.options
    for (const port of this.options.portsToPublish(instance)) {
      const published = await publishPort({
        host,
        protocol: port.protocol,
        preferredPort: port.preferredHostPort,
        ...(port.avoidHostPort === undefined ? {} : {avoidPort: port.avoidHostPort}),
        target: async () => (this.options.isUp(instance) ? runtime.workloads.target(port.containerPort, 'network') : null),
      })
      runtime.ports.push(published)
      this.options.portPublished(instance, port, published.hostPort)
    }
  }
}

/** Closes an instance's sshd, its workloads' servers and its published ports (each close may run twice). */
async function closeRuntime(instance: ServedInstance, runtime: InstanceRuntime | undefined): Promise<void> {
  await Promise.all([instance.ssh?.close(), runtime?.workloads.stop(), ...(runtime?.ports ?? []).map((p) => p.close())])
}
