import type {SimMachine} from './machine.js'

/** Where a container's cgroup (v2) counts its memory events, `oom_kill` among them. */
export const CGROUP_MEMORY_EVENTS = '/sys/fs/cgroup/memory.events'

export interface OomKill {
  pid: number
  processName: string
  /** Epoch ms, for the kernel log's seconds-since-boot stamp. */
  at: number
  /** Since when the machine runs (its first boot), for that stamp. */
  bootedAt: number
  /** A container's cgroup counts it in memory.events; a VM's kernel log is where to look. */
  container: boolean
  /** Logs the killed processes wrote to: each gets the shell's `Killed`. */
  logPaths: readonly string[]
}

/**
 * What the kernel leaves behind when it kills a process for want of memory, as a person
 * checking by hand would find it: the kernel log's `Out of memory: Killed process …` line, the
 * cgroup's `oom_kill` count (inside a container), and `Killed` at the end of the process's log.
 */
export function recordOomKill(machine: SimMachine, kill: OomKill): void {
  const uptime = ((kill.at - kill.bootedAt) / 1000).toFixed(6).padStart(12)
  const rssKb = 60_000_000 + ((kill.pid * 7919) % 1_000_000)
  machine.kernelLog.push(
    `[${uptime}] ${kill.processName} invoked oom-killer: gfp_mask=0x140cca(GFP_HIGHUSER_MOVABLE|__GFP_COMP), order=0, oom_score_adj=0`,
    `[${uptime}] Out of memory: Killed process ${kill.pid} (${kill.processName}) total-vm:${rssKb + 4_200_000}kB, anon-rss:${rssKb}kB, file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:${Math.round(rssKb / 500)}kB oom_score_adj:0`,
  )
  machine.oomKills++
  if (kill.container) {
    machine.fs.mkdir('/sys/fs/cgroup', {parents: true})
    const events = `low 0\nhigh 0\nmax ${machine.oomKills * 3}\noom ${machine.oomKills}\noom_kill ${machine.oomKills}\noom_group_kill 0\n`
    machine.fs.writeFile(CGROUP_MEMORY_EVENTS, Buffer.from(events))
  }
  for (const path of kill.logPaths) {
    try {
      machine.fs.writeFile(path, Buffer.from('Killed\n'), {append: true})
    } catch {
      // A log in a directory that is gone: nothing to append to.
    }
  }
}
