import {parseSliceVolumeName, volumesOf, type DomainName} from './domain-names.js'
import type {VirshFailure} from './virsh-errors.js'
import {destroyCommand, undefineCommand, volDeleteCommand, volWipeCommand, type LibvirtUri, type RemoteCommand} from './virsh-commands.js'

/**
 * How a slice is taken apart, as an ordered list of commands for the caller to run one by one.
 *
 * Not `virsh undefine --remove-all-storage --wipe-storage`: virsh undefines the domain first
 * and only then wipes and deletes each disk, and a volume it cannot wipe is skipped with
 * "Failed! Volume not removed." (virsh-domain.c, cmdUndefine). The domain would be gone and
 * its disk left behind with nothing pointing at it. Here the disks are found by name instead
 * (domain-names.ts), so a retry after any failure, or a reconciler that only sees leftover
 * volumes, runs the very same steps; wiping is best-effort and deleting is not.
 */

export interface ReleaseStep {
  /** What the step does, for the session's events (`destroy`, `wipe <volume>`...). */
  action: string
  run: RemoteCommand
  /** Failures that mean the step's work is already done: count them as success. */
  alreadyDone: readonly VirshFailure[]
  /**
   * A failure is reported but the plan goes on. Only for wiping: some pool types refuse it
   * (rbd, iscsi, logical thin volumes), and a disk left undeleted because it could not be
   * zeroed is worse than one deleted unzeroed.
   */
  bestEffort: boolean
}

export interface ReleasePlanSpec {
  uri: LibvirtUri
  pool: string
  domain: DomainName
  /** Zero the disks before deleting them (the default); off makes release instant on large disks. */
  wipe?: boolean
}

export function releasePlan(spec: ReleasePlanSpec): ReleaseStep[] {
  const {uri, domain} = spec
  return [
    // First and not best-effort: undefining a running persistent domain does not stop it, it
    // only makes it transient, still holding its GPUs and still billing.
    {action: 'destroy', run: destroyCommand(uri, domain), alreadyDone: ['domain-not-running', 'domain-not-found'], bestEffort: false},
    {action: 'undefine', run: undefineCommand(uri, domain), alreadyDone: ['domain-not-found'], bestEffort: false},
    ...volumesOf(domain).flatMap((volume) => volumeSteps(spec, volume)),
  ]
}

/**
 * The steps for disks a reconciler found without their domain (a crash between `vol-create-as`
 * and `define`). Only volumes named after a slice are accepted: the pool also holds the base
 * image, which must never be a step of any plan.
 */
export function leftoverVolumePlan(spec: Omit<ReleasePlanSpec, 'domain'> & {volumes: readonly string[]}): ReleaseStep[] {
  return spec.volumes.flatMap((volume) => {
    if (parseSliceVolumeName(volume) === null) throw new Error(`${JSON.stringify(volume)} is not a slice volume; refusing to plan its deletion`)
    return volumeSteps(spec, volume)
  })
}

function volumeSteps(spec: Omit<ReleasePlanSpec, 'domain'>, volume: string): ReleaseStep[] {
  const {uri, pool} = spec
  const steps: ReleaseStep[] = []
  if (spec.wipe !== false) {
    steps.push({action: `wipe ${volume}`, run: volWipeCommand(uri, pool, volume), alreadyDone: ['volume-not-found'], bestEffort: true})
  }
  steps.push({action: `delete ${volume}`, run: volDeleteCommand(uri, pool, volume), alreadyDone: ['volume-not-found'], bestEffort: false})
  return steps
}
