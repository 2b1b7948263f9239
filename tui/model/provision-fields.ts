import type {ProvisionInput} from '../../src/cli/flows/provision.js'
import {MAX_DISK_GB, MAX_RESERVATION_HOURS, MIN_DISK_GB, MIN_RESERVATION_HOURS, isConsumerId} from '../../src/core/limits.js'
import {
  MAX_IMAGE_LENGTH,
  MAX_ON_START_LENGTH,
  MODEL_SERVER_WORKLOADS,
  WORKLOAD_LOG,
  isModelServerWorkload,
  resolveLaunch,
  type LaunchProblem,
  type LaunchRequest,
  type WorkloadLaunch,
} from '../../src/core/workload-launch.js'

/** What the form can run: a box to log into (optionally starting a command), or a model server. */
export const FORM_WORKLOADS = ['ssh', ...MODEL_SERVER_WORKLOADS] as const
export type FormWorkload = (typeof FORM_WORKLOADS)[number]

/** The provision form's values as typed. */
export interface ProvisionFields {
  consumer: string
  hours: string
  disk: string
  workload: FormWorkload
  /** Used only by a model server. */
  model: string
  image: string
  /** Used only by `ssh`: a model server starts itself. */
  onStart: string
  /** Ports, separated by commas or spaces. */
  expose: string
  keyIds: readonly string[]
}

export type ProvisionFieldId = 'consumer' | 'hours' | 'disk' | 'workload' | 'model' | 'image' | 'onStart' | 'expose'
/** Every field but the workload, which is picked from a list rather than typed. */
export type TextFieldId = Exclude<ProvisionFieldId, 'workload'>

export const FIELD_LABELS: Readonly<Record<ProvisionFieldId, string>> = {
  consumer: 'Consumer',
  hours: 'Hours',
  disk: 'Disk GB',
  workload: 'Workload',
  model: 'Model',
  image: 'Image',
  onStart: 'On start',
  expose: 'Expose',
}

/** What each typed field takes: the characters (all printable ones when absent) and how many. */
export const TEXT_FIELD_INPUT: Readonly<Record<TextFieldId, {accept?: RegExp; maxLength: number}>> = {
  consumer: {accept: /[\w.@:-]/, maxLength: 200},
  hours: {accept: /[0-9]/, maxLength: 4},
  disk: {accept: /[0-9]/, maxLength: 6},
  model: {accept: /[\w./-]/, maxLength: 200},
  image: {accept: /[\w./:@-]/, maxLength: MAX_IMAGE_LENGTH},
  onStart: {maxLength: MAX_ON_START_LENGTH},
  expose: {accept: /[0-9, ]/, maxLength: 100},
}

const SSH_ROWS: readonly ProvisionFieldId[] = ['consumer', 'hours', 'disk', 'workload', 'image', 'onStart', 'expose']
const MODEL_SERVER_ROWS: readonly ProvisionFieldId[] = ['consumer', 'hours', 'disk', 'workload', 'model', 'image', 'expose']

/**
 * The form's rows for a workload, in order. A field that does not apply is not shown (nor sent):
 * the model only for a model server, a start command only for a box, since a model server
 * starts itself. Both lists are as long, so the registered keys after them keep their places.
 */
export function provisionFieldRows(workload: FormWorkload): readonly ProvisionFieldId[] {
  return isModelServerWorkload(workload) ? MODEL_SERVER_ROWS : SSH_ROWS
}

/** The next workload in the list (`step` -1: the previous one), wrapping around. */
export function cycleWorkload(workload: FormWorkload, step: 1 | -1): FormWorkload {
  const at = FORM_WORKLOADS.indexOf(workload)
  return FORM_WORKLOADS[(at + step + FORM_WORKLOADS.length) % FORM_WORKLOADS.length]!
}

/** The ports typed in Expose, in order; resolveLaunch says whether they are ports at all. */
export function exposedPorts(text: string): number[] {
  return text
    .split(/[\s,]+/)
    .filter(Boolean)
    .map(Number)
}

/** What the fields ask to launch, as resolveLaunch reads it: only fields that apply and are filled in. */
function launchRequest(fields: ProvisionFields): LaunchRequest {
  const serves = isModelServerWorkload(fields.workload)
  const filled = (text: string) => (text.trim() === '' ? null : text.trim())
  return {
    workloadType: fields.workload,
    image: filled(fields.image),
    onStart: serves ? null : filled(fields.onStart),
    env: {},
    exposePorts: exposedPorts(fields.expose),
    modelId: serves ? filled(fields.model) : null,
  }
}

/** The form's label for each field resolveLaunch can find wrong. */
const LAUNCH_FIELD_LABELS: Readonly<Record<LaunchProblem['field'], string>> = {
  image: FIELD_LABELS.image,
  on_start: FIELD_LABELS.onStart,
  env: 'Env',
  expose: FIELD_LABELS.expose,
  model_id: FIELD_LABELS.model,
  workload_type: FIELD_LABELS.workload,
}

/** resolveLaunch's advice names the CLI's flags; the form's user sees its fields instead. */
function inFormWords(message: string): string {
  return message
    .replace(/--model-id (\S+)/g, '$1')
    .replace(/--workload-type (\S+)/g, `${FIELD_LABELS.workload} $1`)
    .replace(/--(image|on-start|expose)\b/g, (_flag, name: string) => (name === 'on-start' ? FIELD_LABELS.onStart : FIELD_LABELS[name as 'image' | 'expose']))
}

/**
 * What the form would launch (null: an empty box, nothing started), or what is wrong with it
 * as one line naming the form's field. The rules are resolveLaunch's, the daemon's own; what a
 * provider cannot run is the daemon's to say when the form is sent.
 */
export function formLaunch(fields: ProvisionFields): {launch: WorkloadLaunch | null} | {problem: string} {
  const resolved = resolveLaunch(launchRequest(fields))
  if ('problem' in resolved) return {problem: `${LAUNCH_FIELD_LABELS[resolved.problem.field]} ${inFormWords(resolved.problem.message)}.`}
  const {launch} = resolved
  const empty = launch.image === null && launch.onStart === null && launch.exposePorts.length === 0
  return {launch: empty ? null : launch}
}

/** What is wrong with the form, naming the field and the accepted values; null when it can be sent. */
export function checkProvisionForm(fields: ProvisionFields): string | null {
  if (!isConsumerId(fields.consumer)) return 'Consumer is required: letters, digits and . _ - @ :'
  const hours = Number(fields.hours)
  if (!Number.isInteger(hours) || hours < MIN_RESERVATION_HOURS || hours > MAX_RESERVATION_HOURS) {
    return `Hours must be a whole number from ${MIN_RESERVATION_HOURS} to ${MAX_RESERVATION_HOURS} (the hard maximum).`
  }
  const disk = Number(fields.disk)
  if (!Number.isInteger(disk) || disk < MIN_DISK_GB || disk > MAX_DISK_GB) return `Disk GB must be a whole number from ${MIN_DISK_GB} to ${MAX_DISK_GB}.`
  const launch = formLaunch(fields)
  return 'problem' in launch ? launch.problem : null
}

/** A create as the form sends it, but for its idempotency key. */
export type ProvisionTerms = Omit<ProvisionInput, 'idempotencyKey'>

/**
 * The create for an offer from checked fields: the launch fields only where they are set (a
 * model server's image and port are the daemon's to fill in, as for the CLI).
 */
export function provisionTerms(offerId: string, fields: ProvisionFields): ProvisionTerms {
  const request = launchRequest(fields)
  return {
    consumer_id: fields.consumer,
    offer_id: offerId,
    workload_type: fields.workload,
    reservation_hours: Number(fields.hours),
    disk_gb: Number(fields.disk),
    ...(fields.keyIds.length ? {ssh_key_ids: [...fields.keyIds]} : {}),
    ...(request.image !== null ? {image: request.image} : {}),
    ...(request.onStart !== null ? {on_start: request.onStart} : {}),
    ...(request.exposePorts.length ? {expose: request.exposePorts} : {}),
    ...(request.modelId !== null ? {model_id: request.modelId} : {}),
  }
}

/** How much of a start command a summary quotes. */
const COMMAND_SHOWN = 160

/** What will run on the machine and when the session counts as running, in one line; null for an empty box. */
export function launchSummary(workload: FormWorkload, launch: WorkloadLaunch | null): string | null {
  if (launch === null) return null
  const [first, ...more] = launch.exposePorts
  if (launch.modelId !== null) {
    const also = more.length ? ` (also publishes ${portList(more)})` : ''
    return `Workload ${workload}: serves ${launch.modelId} with ${launch.image} on port ${first}${also}; running once ${launch.healthPath} answers.`
  }
  const parts: string[] = []
  if (launch.onStart !== null) {
    const command = launch.onStart.length > COMMAND_SHOWN ? `${launch.onStart.slice(0, COMMAND_SHOWN - 1)}…` : launch.onStart
    parts.push(`runs \`${command}\` once the box is verified (output in ${WORKLOAD_LOG})`)
  }
  parts.push(launch.image === null ? "in the provider's default image" : `in ${launch.image}`)
  if (first !== undefined) parts.push(`publishes ${portList(launch.exposePorts)}`)
  return `Workload ${workload}: ${parts.join(', ')}; running once ${launch.onStart === null ? 'SSH is verified' : 'it is started'}.`
}

function portList(ports: readonly number[]): string {
  return `${ports.length === 1 ? 'port' : 'ports'} ${ports.join(', ')}`
}

/** The reservation's cost if it runs to the end: integer micro-USD, as the ledger would bill it. */
export function expectedCost(pricePerHourMicroUsd: number, hours: number): number {
  return pricePerHourMicroUsd * hours
}
