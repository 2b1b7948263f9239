import {Box, Text} from 'ink'
import {useEffect, useRef, useState} from 'react'

import {formatCost, formatHourly} from '../../src/cli/output/format.js'
import {provisionSession} from '../../src/cli/flows/provision.js'
import {ApiError} from '../../src/client/errors.js'
import type {OfferDto} from '../../src/core/api/inventory.js'
import {MAX_SSH_TIMEOUT_SECONDS, MIN_SSH_TIMEOUT_SECONDS} from '../../src/core/api/auto-retry.js'
import {PRICE_BAND} from '../../src/core/auto-retry.js'
import type {SshKeyDto} from '../../src/core/api/ssh-keys.js'
import type {TemplateDto} from '../../src/core/api/templates.js'
import {isProviderName} from '../../src/core/provider-name.js'
import {MAX_DISK_GB, MAX_RESERVATION_HOURS, MIN_DISK_GB, MIN_RESERVATION_HOURS} from '../../src/core/limits.js'
import {offerDtoPriceForDisk} from '../../src/core/offer-quote.js'
import {MODEL_SERVERS, MODEL_SERVER_WORKLOADS, WORKLOAD_LOG, isModelServerWorkload} from '../../src/core/workload-launch.js'
import {errorText} from '../model/error-text.js'
import {editLine} from '../model/line-edit.js'
import {
  FIELD_LABELS,
  TEXT_FIELD_INPUT,
  checkProvisionForm,
  defaultProvisionFields,
  expectedCost,
  formLaunch,
  isPickerField,
  launchSummary,
  provisionFieldRows,
  provisionTerms,
  retrySummary,
  stepPicker,
  templateSummary,
  templatesForOffer,
  type ProvisionFieldId,
  type ProvisionFields,
  type ProvisionTerms,
} from '../model/provision-fields.js'
import {useServices} from '../services.js'
import {useOverlayKeys, useShell, type AskConfirmation} from '../shell.js'
import {fit} from './fit.js'

/** Cells for a field's value: an image or a model id fits whole. */
const VALUE_WIDTH = 32

export interface ProvisionFormProps {
  offer: OfferDto
  /** The dashboard's confirmation: the only way this form sends anything. */
  ask: AskConfirmation
  onClose(): void
  onProvisioned(sessionId: string): void
}

/**
 * Renting an offer: consumer, hours, disk, what to run (a box to log into, optionally starting
 * a command, or a model server), a template the offer can run, auto-retry on a bad host,
 * registered keys, then the dashboard's confirmation with what will run, what a failed host
 * sets off, and the reservation's expected cost. One idempotency key per set of values sent, kept
 * across retries, so a reply lost on the way back can never rent a second machine.
 */
export function ProvisionForm({offer, ask, onClose, onProvisioned}: ProvisionFormProps) {
  const services = useServices()
  const shell = useShell()
  const [fields, setFieldsState] = useState<ProvisionFields>(() => defaultProvisionFields(services.defaultConsumer))
  // Keys can arrive faster than frames: each must see where the previous one moved the focus
  // and what it typed (Enter reviews the values typed just before it).
  const fieldsRef = useRef(fields)
  const updateFields = (change: (f: ProvisionFields) => ProvisionFields) => {
    fieldsRef.current = change(fieldsRef.current)
    setFieldsState(fieldsRef.current)
  }
  const [focus, setFocusState] = useState(0)
  const focusRef = useRef(0)
  const setFocus = (next: number) => {
    focusRef.current = next
    setFocusState(next)
  }
  /** While sending: what the confirmation said. */
  const [sending, setSending] = useState<string[] | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [keys, setKeys] = useState<readonly SshKeyDto[] | null>(null)
  /** The templates this offer can run, or why there are none to pick from; null while loading. */
  const [templates, setTemplates] = useState<{list: readonly TemplateDto[]; unavailable: string | null} | null>(null)
  const templatesRef = useRef<readonly TemplateDto[]>([])
  const idempotency = useRef<{key: string; values: string} | null>(null)

  // The templates depend on the offer's provider and CUDA only, not on each refresh of the offer.
  const {provider: offerProvider, cuda_version: offerCuda} = offer
  useEffect(() => {
    const abort = new AbortController()
    services.client.sshKeys.list({signal: abort.signal}).then(
      (reply) => setKeys(reply.ssh_keys),
      () => setKeys([]),
    )
    const provider = isProviderName(offerProvider) ? offerProvider : undefined
    services.client.templates.list({provider}, {signal: abort.signal}).then(
      (reply) => {
        const failed = reply.providers.find((p) => !p.ok)
        templatesRef.current = templatesForOffer({provider: offerProvider, cuda_version: offerCuda}, reply.templates)
        setTemplates({list: templatesRef.current, unavailable: failed ? `${failed.provider} did not answer: ${failed.error ?? 'no reason given'}` : null})
      },
      (err: unknown) => setTemplates({list: [], unavailable: errorText(err)}),
    )
    return () => abort.abort()
  }, [services.client, offerProvider, offerCuda])
  const templateOf = (values: ProvisionFields) => templatesRef.current.find((t) => t.id === values.template) ?? null

  const title = `Rent ${offer.gpu_count}x ${offer.gpu_type} ${offer.vram_gb} GB · ${offer.provider} · ${offer.location || '-'} · ${formatHourly(offer.price_per_hour_micro_usd)}`
  /** What the confirmation says, and the form shows while the daemon reserves it; for checked values. */
  const summary = (values: ProvisionFields): string[] => {
    const hours = Number(values.hours)
    // The listed price is for the default disk; the session pays for the disk asked for.
    const hourly = offerDtoPriceForDisk(offer, Number(values.disk))
    const launch = formLaunch(values)
    const runs = 'launch' in launch ? launchSummary(values.workload, launch.launch) : null
    const extras = [templateSummary(templateOf(values)), runs, retrySummary(values)].filter((line) => line !== null)
    return [
      title,
      `Offer ${offer.id} for consumer ${values.consumer}, ${hours} h reserved, ${values.disk} GB disk${values.keyIds.length ? `, keys ${values.keyIds.join(', ')}` : ''}`,
      ...extras,
      `Expected cost of the reservation: ${formatCost(expectedCost(hourly, hours))} (${hours} h × ${formatHourly(hourly)} with ${values.disk} GB disk); releasing early costs less.`,
    ]
  }
  const review = async (values: ProvisionFields) => {
    const problem = checkProvisionForm(values, templateOf(values))
    if (problem) return setError(problem)
    setError(null)
    let budget: string | null = null
    try {
      const b = await services.client.budgets.get(values.consumer)
      budget = `Budget of ${b.consumer_id}: ${formatCost(b.remaining_micro_usd)} left of ${formatCost(b.monthly_limit_micro_usd)} this month.`
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 404)) budget = `Budget unknown: ${errorText(err)}`
    }
    // What is sent is what was confirmed, whatever the form holds by the time y is pressed.
    const lines = summary(values)
    const terms = provisionTerms(offer.id, values)
    ask({title: 'Rent this machine? It is billed per second until released.', lines: [...lines, ...(budget ? [budget] : [])], yes: 'rent it', no: 'back to the form'}, () => void send(terms, lines))
  }

  const send = async (terms: ProvisionTerms, lines: string[]) => {
    setSending(lines)
    // Keyed on what is sent: a field the workload does not use changes nothing.
    const values = JSON.stringify(terms)
    if (idempotency.current?.values !== values) idempotency.current = {key: services.newIdempotencyKey(), values}
    try {
      const {session} = await provisionSession(services.client, {idempotencyKey: idempotency.current.key, ...terms}, {paths: services.paths})
      shell.notify(`Rented ${offer.gpu_count}x ${offer.gpu_type} as ${session.id}: ${session.status}.`, 'success')
      onClose()
      onProvisioned(session.id)
    } catch (err) {
      setError(errorText(err))
      setSending(null)
    }
  }

  useOverlayKeys((input, key) => {
    if (sending) return
    if (key.escape) return onClose()
    if (key.return) return void review(fieldsRef.current)
    const rowIds = provisionFieldRows(fieldsRef.current.workload)
    const rows = rowIds.length + (keys?.length ?? 0)
    if (key.upArrow || (key.tab && key.shift)) return setFocus((focusRef.current + rows - 1) % rows)
    if (key.downArrow || key.tab) return setFocus((focusRef.current + 1) % rows)
    const field = rowIds[focusRef.current]
    if (field && isPickerField(field)) {
      const step = input === ' ' || key.rightArrow ? 1 : key.leftArrow ? -1 : null
      if (step !== null) updateFields((f) => stepPicker(f, field, step, templatesRef.current))
      return
    }
    if (field) {
      const {accept, maxLength} = TEXT_FIELD_INPUT[field]
      const edit = editLine(fieldsRef.current[field], input, key, accept, maxLength)
      if (edit?.kind === 'change' || edit?.kind === 'submit') updateFields((f) => ({...f, [field]: edit.value}))
      if (edit?.kind === 'submit') void review(fieldsRef.current)
      return
    }
    const sshKey = keys?.[focusRef.current - rowIds.length]
    if (sshKey && input === ' ') {
      updateFields((f) => ({...f, keyIds: f.keyIds.includes(sshKey.id) ? f.keyIds.filter((id) => id !== sshKey.id) : [...f.keyIds, sshKey.id]}))
    }
  })

  if (sending) {
    return (
      <Box flexDirection="column" borderStyle="round" borderColor="red" paddingX={1}>
        <Text bold color="red">
          Renting… the daemon is reserving the instance
        </Text>
        {sending.map((line, i) => (
          <Text key={i} wrap={i === 0 ? 'truncate' : 'wrap'}>
            {line}
          </Text>
        ))}
        <Text> </Text>
        <Text dimColor>One idempotency key covers this request: a retry cannot rent a second machine.</Text>
      </Box>
    )
  }

  const rowIds = provisionFieldRows(fields.workload)
  const server = isModelServerWorkload(fields.workload) ? MODEL_SERVERS[fields.workload] : null
  const template = templateOf(fields)
  const templateHint =
    templates === null
      ? 'loading the templates this offer can run…'
      : templates.list.length === 0
        ? `none to pick: ${templates.unavailable ?? `no ${offer.provider} template runs on this offer`}`
        : `space/←→ · ${templates.list.length} run on this offer${template ? ` · ${template.id}: ${template.image ?? 'OS image'}` : ''}${templates.unavailable ? ` (${templates.unavailable})` : ''}`
  const hints: Record<ProvisionFieldId, string> = {
    consumer: 'who pays: letters, digits . _ - @ :',
    hours: `reservation, ${MIN_RESERVATION_HOURS}-${MAX_RESERVATION_HOURS} (extend later)`,
    disk: `${MIN_DISK_GB}-${MAX_DISK_GB}`,
    workload: `space/←→ · ${server ? `serves a model on port ${server.port}; running once ${server.healthPath} answers` : `a machine you log into; ${MODEL_SERVER_WORKLOADS.join(', ')} serve a model`}`,
    model: 'to serve, org/name, e.g. Qwen/Qwen2.5-0.5B-Instruct',
    image: `optional; empty: ${server ? server.image : "the provider's default"}`,
    onStart: `optional, run once verified; output in ${WORKLOAD_LOG}`,
    expose: `optional ports to publish, comma or space separated${server ? ` (${server.port} always is)` : ''}`,
    template: templateHint,
    retries: 'space/←→ · when the host does not boot or let us in, rent the next comparable offer',
    scope: fields.retries === 0 ? 'with auto-retry: which offers count as comparable' : `space/←→ · same-gpu-type, same-price-band (at most ${Math.round(PRICE_BAND * 100)}% dearer) or any model`,
    sshTimeout: `optional, ${MIN_SSH_TIMEOUT_SECONDS}-${MAX_SSH_TIMEOUT_SECONDS} s for the host to let us in; empty: the provisioning timeout`,
  }
  /** What a field shows: a picker its choice in words, a typed field its text. */
  const shownValue = (field: ProvisionFieldId): string => {
    if (field === 'template') return template ? template.name : 'none'
    if (field === 'retries') return fields.retries === 0 ? 'off' : `up to ${fields.retries} more ${fields.retries === 1 ? 'try' : 'tries'}`
    return fields[field]
  }
  const value = (field: ProvisionFieldId, focused: boolean): string => {
    const text = shownValue(field)
    if (!focused) return fit(text, VALUE_WIDTH)
    // The end of a long value stays in sight while it is typed.
    const shown = text.length >= VALUE_WIDTH ? `…${text.slice(-(VALUE_WIDTH - 2))}` : text
    return fit(isPickerField(field) ? shown : `${shown}▏`, VALUE_WIDTH)
  }
  return (
    <Box flexDirection="column" borderStyle="round" borderColor="cyan" paddingX={1}>
      <Text bold color="cyan" wrap="truncate">
        {title}
      </Text>
      {rowIds.map((field, index) => (
        <Text key={field} inverse={focus === index} wrap="truncate">
          {`${fit(FIELD_LABELS[field], 12)} ${value(field, focus === index)} `}
          <Text dimColor>{hints[field]}</Text>
        </Text>
      ))}
      <Text dimColor>SSH keys put on the machine besides its own session key (space toggles):</Text>
      {keys === null ? <Text dimColor>  loading registered keys…</Text> : null}
      {keys?.length === 0 ? <Text dimColor>  none registered (gpu-shopper ssh-keys add)</Text> : null}
      {keys?.map((k, i) => (
        <Text key={k.id} inverse={focus === rowIds.length + i} wrap="truncate">
          {`  [${fields.keyIds.includes(k.id) ? 'x' : ' '}] ${k.title}  ${k.fingerprint}`}
        </Text>
      ))}
      {error ? (
        <Text color="red" wrap="wrap">
          {error}
        </Text>
      ) : null}
      <Text dimColor>↑↓ move · type to edit · enter review and confirm · esc cancel</Text>
    </Box>
  )
}
