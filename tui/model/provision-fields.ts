import type {ProvisionInput} from '../../src/cli/flows/provision.js'
import {MAX_SSH_TIMEOUT_SECONDS, MIN_SSH_TIMEOUT_SECONDS} from '../../src/core/api/auto-retry.js'
import type {OfferDto} from '../../src/core/api/inventory.js'
import type {TemplateDto} from '../../src/core/api/templates.js'
import {MAX_RETRIES_LIMIT, PRICE_BAND, RETRY_SCOPES, type RetryScope} from '../../src/core/auto-retry.js'
import {cudaSupports, templateDiskNeedGb} from '../../src/core/template.js'
import {DEFAULT_DISK_GB, DEFAULT_RESERVATION_HOURS, MAX_DISK_GB, MAX_RESERVATION_HOURS, MIN_DISK_GB, MIN_RESERVATION_HOURS, isConsumerId} from '../../src/core/limits.js'
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
  /** A template id from the offer's provider; empty: none. */
  template: string
  /** Tries after the first when the host fails (auto-retry); 0: off. */
  retries: number
  /** Which offers a retry may move to; sent only with auto-retry. */
  scope: RetryScope
  /** Seconds the host has to let us in over SSH; empty: the provisioning timeout. */
  sshTimeout: string
  keyIds: readonly string[]
}

/** A new form: an empty box for the reservation and disk a create gets by default, no template, no auto-retry. */
export function defaultProvisionFields(consumer: string): ProvisionFields {
  return {
    consumer,
    hours: String(DEFAULT_RESERVATION_HOURS),
    disk: String(DEFAULT_DISK_GB),
    workload: 'ssh',
    model: '',
    image: '',
    onStart: '',
    expose: '',
    template: '',
    retries: 0,
    scope: 'same-gpu-type',
    sshTimeout: '',
    keyIds: [],
  }
}

export type ProvisionFieldId = 'consumer' | 'hours' | 'disk' | 'workload' | 'model' | 'image' | 'onStart' | 'expose' | 'template' | 'retries' | 'scope' | 'sshTimeout'
/** The fields picked from a list (space and ←→) rather than typed. */
export type PickerFieldId = 'workload' | 'template' | 'retries' | 'scope'
export type TextFieldId = Exclude<ProvisionFieldId, PickerFieldId>

const PICKER_FIELDS: ReadonlySet<ProvisionFieldId> = new Set<PickerFieldId>(['workload', 'template', 'retries', 'scope'])

export function isPickerField(field: ProvisionFieldId): field is PickerFieldId {
  return PICKER_FIELDS.has(field)
}

export const FIELD_LABELS: Readonly<Record<ProvisionFieldId, string>> = {
  consumer: 'Consumer',
  hours: 'Hours',
  disk: 'Disk GB',
  workload: 'Workload',
  model: 'Model',
  image: 'Image',
  onStart: 'On start',
  expose: 'Expose',
  template: 'Template',
  retries: 'Auto-retry',
  scope: 'Retry scope',
  sshTimeout: 'SSH timeout',
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
  sshTimeout: {accept: /[0-9]/, maxLength: 5},
}

/** How a create is made to survive a bad host: the same rows whatever the workload. */
const SAFETY_ROWS: readonly ProvisionFieldId[] = ['template', 'retries', 'scope', 'sshTimeout']
const SSH_ROWS: readonly ProvisionFieldId[] = ['consumer', 'hours', 'disk', 'workload', 'image', 'onStart', 'expose', ...SAFETY_ROWS]
const MODEL_SERVER_ROWS: readonly ProvisionFieldId[] = ['consumer', 'hours', 'disk', 'workload', 'model', 'image', 'expose', ...SAFETY_ROWS]

/**
 * The form's rows for a workload, in order. A field that does not apply is not shown (nor sent):
 * the model only for a model server, a start command only for a box, since a model server
 * starts itself. Both lists are as long, so the registered keys after them keep their places.
 */
export function provisionFieldRows(workload: FormWorkload): readonly ProvisionFieldId[] {
  return isModelServerWorkload(workload) ? MODEL_SERVER_ROWS : SSH_ROWS
}

/** The value after `current` in `values` (`step` -1: before it), wrapping around. */
function cycle<T>(values: readonly T[], current: T, step: 1 | -1): T {
  const at = values.indexOf(current)
  return values[(at + step + values.length) % values.length]!
}

/** The next workload in the list (`step` -1: the previous one), wrapping around. */
export function cycleWorkload(workload: FormWorkload, step: 1 | -1): FormWorkload {
  return cycle(FORM_WORKLOADS, workload, step)
}

/**
 * The templates `offer` can run, as the daemon would judge them before renting: its provider's,
 * with no CUDA floor or one its driver meets (an offer that does not say cannot be shown to).
 */
export function templatesForOffer(offer: Pick<OfferDto, 'provider' | 'cuda_version'>, templates: readonly TemplateDto[]): TemplateDto[] {
  return templates.filter((t) => t.provider === offer.provider && cudaSupports(offer.cuda_version, t.min_cuda_version))
}

function templateDisk(template: TemplateDto): number {
  return templateDiskNeedGb(template.recommended_disk_gb)
}

const RETRY_COUNTS = Array.from({length: MAX_RETRIES_LIMIT + 1}, (_, n) => n)

/**
 * The fields with a picker moved one step. Picking a template that needs more disk than typed
 * raises the disk to its need, as a create without a disk would get; `templates` are the ones
 * the offer can run, in the order shown.
 */
export function stepPicker(fields: ProvisionFields, field: PickerFieldId, step: 1 | -1, templates: readonly TemplateDto[]): ProvisionFields {
  switch (field) {
    case 'workload':
      return {...fields, workload: cycleWorkload(fields.workload, step)}
    case 'retries':
      return {...fields, retries: cycle(RETRY_COUNTS, fields.retries, step)}
    case 'scope':
      return {...fields, scope: cycle(RETRY_SCOPES, fields.scope, step)}
    case 'template': {
      const id = cycle(['', ...templates.map((t) => t.id)], fields.template, step)
      const template = templates.find((t) => t.id === id)
      const disk = /^\d+$/.test(fields.disk) ? Number(fields.disk) : null
      if (!template || disk === null || disk >= templateDisk(template)) return {...fields, template: id}
      return {...fields, template: id, disk: String(Math.min(MAX_DISK_GB, templateDisk(template)))}
    }
  }
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

/**
 * What is wrong with the form, naming the field and the accepted values; null when it can be
 * sent. `template` is the picked template (the offer's provider's, for a CUDA it supports).
 */
export function checkProvisionForm(fields: ProvisionFields, template: TemplateDto | null = null): string | null {
  if (!isConsumerId(fields.consumer)) return 'Consumer is required: letters, digits and . _ - @ :'
  const hours = Number(fields.hours)
  if (!Number.isInteger(hours) || hours < MIN_RESERVATION_HOURS || hours > MAX_RESERVATION_HOURS) {
    return `Hours must be a whole number from ${MIN_RESERVATION_HOURS} to ${MAX_RESERVATION_HOURS} (the hard maximum).`
  }
  const disk = Number(fields.disk)
  if (!Number.isInteger(disk) || disk < MIN_DISK_GB || disk > MAX_DISK_GB) return `Disk GB must be a whole number from ${MIN_DISK_GB} to ${MAX_DISK_GB}.`
  if (template && disk < templateDisk(template)) return `Disk GB must be at least ${templateDisk(template)}: template ${template.name} needs that much.`
  if (fields.sshTimeout.trim() !== '') {
    const seconds = Number(fields.sshTimeout)
    if (!Number.isInteger(seconds) || seconds < MIN_SSH_TIMEOUT_SECONDS || seconds > MAX_SSH_TIMEOUT_SECONDS) {
      return `SSH timeout must be a whole number of seconds from ${MIN_SSH_TIMEOUT_SECONDS} to ${MAX_SSH_TIMEOUT_SECONDS}, or empty.`
    }
  }
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
    ...(fields.template !== '' ? {template: fields.template} : {}),
    ...(fields.retries > 0 ? {auto_retry: true, max_retries: fields.retries, retry_scope: fields.scope} : {}),
    ...(fields.sshTimeout.trim() !== '' ? {ssh_timeout_seconds: Number(fields.sshTimeout)} : {}),
  }
}

/** What the template brings, in one line; null without one. */
export function templateSummary(template: TemplateDto | null): string | null {
  if (template === null) return null
  const what = [template.image ?? 'its OS image', ...(template.recommended_disk_gb === null ? [] : [`needs ${templateDisk(template)} GB of disk`])]
  return `Template ${template.name} (${template.id}): ${what.join(', ')}.`
}

/** What happens when the host fails, in one line; null when nothing was asked beyond the default. */
export function retrySummary(fields: Pick<ProvisionFields, 'retries' | 'scope' | 'sshTimeout'>): string | null {
  const timeout = fields.sshTimeout.trim() === '' ? null : `${Number(fields.sshTimeout)} s`
  if (fields.retries === 0) return timeout === null ? null : `A host that has not let us in over SSH within ${timeout} is destroyed and the session fails.`
  const comparable = {
    'same-gpu-type': 'the same GPU model',
    'same-price-band': `any GPU model at most ${Math.round(PRICE_BAND * 100)}% dearer`,
    any: 'any GPU model',
  }[fields.scope]
  const tries = fields.retries === 1 ? '1 more try is' : `${fields.retries} more tries are`
  return `Auto-retry: a host that does not boot or let us in${timeout === null ? '' : ` within ${timeout}`} is destroyed, and up to ${tries} made on comparable offers (${comparable}, as many GPUs and as much VRAM), each its own session.`
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
