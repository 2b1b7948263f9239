import type {NodeLibvirtSettings} from '../../core/node.js'
import {volumesOf, type DomainName} from './libvirt/domain-names.js'
import {releasePlan} from './libvirt/release-plan.js'
import {domStateCommand, shutdownCommand, volListCommand} from './libvirt/virsh-commands.js'
import {parseDomState, parseVolList} from './libvirt/virsh-output.js'
import {NodeCommandError, runOnNode, runOnNodeIdempotent} from './node-command.js'
import type {NodeShell} from './node-shell.js'

export interface SliceReleaseOptions {
  /** How long a running guest is given to power off by itself before the plug is pulled. */
  shutdownGraceMs: number
  pollMs: number
  sleep: (ms: number) => Promise<void>
  now: () => number
  warn: (message: string) => void
}

/**
 * Takes a slice apart: asks the guest to shut down (briefly), destroys the domain, undefines it,
 * wipes and deletes its disks, then checks that neither the domain nor a disk is left. Safe to
 * repeat at any point: every step that finds its work done counts as done.
 */
export async function releaseSlice(shell: NodeShell, libvirt: NodeLibvirtSettings, domain: DomainName, options: SliceReleaseOptions): Promise<void> {
  const {uri, pool} = libvirt
  const state = await runOnNodeIdempotent(shell, domStateCommand(uri, domain), 'reading the domain state', ['domain-not-found'])
  if (state !== null && parseDomState(state).state === 'running') {
    await runOnNodeIdempotent(shell, shutdownCommand(uri, domain), 'shutting the guest down', ['domain-not-running', 'domain-not-found'])
    const deadline = options.now() + options.shutdownGraceMs
    while (options.now() < deadline) {
      const now = await runOnNodeIdempotent(shell, domStateCommand(uri, domain), 'reading the domain state', ['domain-not-found'])
      if (now === null || parseDomState(now).state !== 'running') break
      await options.sleep(options.pollMs)
    }
  }
  for (const step of releasePlan({uri, pool, domain})) {
    try {
      await runOnNodeIdempotent(shell, step.run, step.action, step.alreadyDone)
    } catch (err) {
      if (!(err instanceof NodeCommandError) || !step.bestEffort) throw err
      options.warn(`${step.action}: ${err.message}`)
    }
  }
  // Verified: nothing of the slice is left for libvirt to run or bill disk for.
  const after = await runOnNodeIdempotent(shell, domStateCommand(uri, domain), 'checking the domain is gone', ['domain-not-found'])
  if (after !== null) throw new NodeCommandError('release', 'other', null, `domain ${domain} is still defined (${after.trim()})`)
  const names = new Set(parseVolList(await runOnNode(shell, volListCommand(uri, pool), 'listing volumes')).map((v) => v.name))
  const left = volumesOf(domain).filter((volume) => names.has(volume))
  if (left.length > 0) throw new NodeCommandError('release', 'other', null, `volume(s) ${left.join(', ')} are still in pool ${pool}`)
}
