import {ENV, readEnv} from '../config/env.js'

/**
 * Named places where a test can make the daemon die abruptly (`GPU_SHOPPER_CRASH_AT=<name>`),
 * as `kill -9` or a power cut would, to prove every money path recovers. Inert otherwise.
 */
export const CRASH_POINTS = [
  'after-intent-commit',
  'after-provider-create',
  // The steps of a self-hosted slice's create (see SLICE_PHASES), each once it is done.
  'after-overlay-disk',
  'after-cloud-init-seed',
  'after-domain-defined',
  'after-domain-started',
  'before-record-provider-id',
  'after-record-provider-id',
  // Once the provider reports the instance's address (a slice: its guest's lease), SSH logs in, the GPUs are seen.
  'after-instance-address',
  'during-ssh-verify',
  'after-ssh-ready',
  'after-gpu-check',
  // A session with a workload: once it is started on the verified instance.
  'after-workload-start',
  'after-destroy-call',
  'before-mark-stopped',
] as const
export type CrashPoint = (typeof CRASH_POINTS)[number]

/** The points only a self-hosted slice's create passes (see slice-create.ts). */
export const SLICE_CRASH_POINTS: readonly CrashPoint[] = ['after-overlay-disk', 'after-cloud-init-seed', 'after-domain-defined', 'after-domain-started']

/** The points only a session with a workload passes (see workload-start.ts). */
export const WORKLOAD_CRASH_POINTS: readonly CrashPoint[] = ['after-workload-start']

export function isCrashPoint(name: string): name is CrashPoint {
  return (CRASH_POINTS as readonly string[]).includes(name)
}

export function crashPoint(name: CrashPoint): void {
  if (readEnv(ENV.crashAt) === name) {
    process.stderr.write(`GPU_SHOPPER_CRASH_AT=${name}: dying here on purpose\n`)
    process.kill(process.pid, 'SIGKILL')
  }
}
