import {Box, Text} from 'ink'
import {useEffect, useRef, useState} from 'react'

import {formatCost, formatHourly} from '../../src/cli/output/format.js'
import {provisionSession} from '../../src/cli/flows/provision.js'
import {ApiError} from '../../src/client/errors.js'
import type {OfferDto} from '../../src/core/api/inventory.js'
import type {SshKeyDto} from '../../src/core/api/ssh-keys.js'
import {DEFAULT_DISK_GB, DEFAULT_RESERVATION_HOURS, MAX_DISK_GB, MAX_RESERVATION_HOURS, MIN_DISK_GB, MIN_RESERVATION_HOURS} from '../../src/core/limits.js'
import {offerDtoPriceForDisk} from '../../src/core/offer-quote.js'
import {errorText} from '../model/error-text.js'
import {checkProvisionForm, expectedCost, type ProvisionFields} from '../model/provision-fields.js'
import {useServices} from '../services.js'
import {useOverlayKeys, useShell, type AskConfirmation} from '../shell.js'
import {fit} from './fit.js'

type Step = 'edit' | 'sending'

export interface ProvisionFormProps {
  offer: OfferDto
  /** The dashboard's confirmation: the only way this form sends anything. */
  ask: AskConfirmation
  onClose(): void
  onProvisioned(sessionId: string): void
}

/**
 * Renting an offer: consumer, hours, disk and registered keys, then the dashboard's confirmation
 * with the reservation's expected cost. One idempotency key per set of values, kept across
 * retries, so a reply lost on the way back can never rent a second machine.
 */
export function ProvisionForm({offer, ask, onClose, onProvisioned}: ProvisionFormProps) {
  const services = useServices()
  const shell = useShell()
  const [fields, setFields] = useState<ProvisionFields>({consumer: services.defaultConsumer, hours: String(DEFAULT_RESERVATION_HOURS), disk: String(DEFAULT_DISK_GB), keyIds: []})
  const [focus, setFocusState] = useState(0)
  // Keys can arrive faster than frames: each must see where the previous one moved the focus.
  const focusRef = useRef(0)
  const setFocus = (next: number) => {
    focusRef.current = next
    setFocusState(next)
  }
  const [step, setStep] = useState<Step>('edit')
  const [error, setError] = useState<string | null>(null)
  const [keys, setKeys] = useState<readonly SshKeyDto[] | null>(null)
  const idempotency = useRef<{key: string; values: string} | null>(null)

  useEffect(() => {
    const abort = new AbortController()
    services.client.sshKeys.list({signal: abort.signal}).then(
      (reply) => setKeys(reply.ssh_keys),
      () => setKeys([]),
    )
    return () => abort.abort()
  }, [services.client])

  const rows = 3 + (keys?.length ?? 0)
  const textFieldAt = (f: number) => (f === 0 ? 'consumer' : f === 1 ? 'hours' : f === 2 ? 'disk' : null)

  const title = `Rent ${offer.gpu_count}x ${offer.gpu_type} ${offer.vram_gb} GB · ${offer.provider} · ${offer.location || '-'} · ${formatHourly(offer.price_per_hour_micro_usd)}`
  /** What the confirmation says, and the form shows while the daemon reserves it. */
  const summary = (values: ProvisionFields): string[] => {
    const hours = Number(values.hours)
    // The listed price is for the default disk; the session pays for the disk asked for.
    const hourly = offerDtoPriceForDisk(offer, Number(values.disk))
    return [
      title,
      `Offer ${offer.id} for consumer ${values.consumer}, ${hours} h reserved, ${values.disk} GB disk${values.keyIds.length ? `, keys ${values.keyIds.join(', ')}` : ''}`,
      `Expected cost of the reservation: ${formatCost(expectedCost(hourly, hours))} (${hours} h × ${formatHourly(hourly)} with ${values.disk} GB disk); releasing early costs less.`,
    ]
  }
  const review = async () => {
    const problem = checkProvisionForm(fields)
    if (problem) return setError(problem)
    setError(null)
    let budget: string | null = null
    try {
      const b = await services.client.budgets.get(fields.consumer)
      budget = `Budget of ${b.consumer_id}: ${formatCost(b.remaining_micro_usd)} left of ${formatCost(b.monthly_limit_micro_usd)} this month.`
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 404)) budget = `Budget unknown: ${errorText(err)}`
    }
    // What is sent is what was confirmed, whatever the form holds by the time y is pressed.
    const terms = fields
    ask(
      {title: 'Rent this machine? It is billed per second until released.', lines: [...summary(terms), ...(budget ? [budget] : [])], yes: 'rent it', no: 'back to the form'},
      () => void send(terms),
    )
  }

  const send = async (terms: ProvisionFields) => {
    setStep('sending')
    const values = JSON.stringify(terms)
    if (idempotency.current?.values !== values) idempotency.current = {key: services.newIdempotencyKey(), values}
    try {
      const {session} = await provisionSession(
        services.client,
        {
          idempotencyKey: idempotency.current.key,
          consumer_id: terms.consumer,
          offer_id: offer.id,
          workload_type: 'ssh',
          reservation_hours: Number(terms.hours),
          disk_gb: Number(terms.disk),
          ...(terms.keyIds.length ? {ssh_key_ids: [...terms.keyIds]} : {}),
        },
        {paths: services.paths},
      )
      shell.notify(`Rented ${offer.gpu_count}x ${offer.gpu_type} as ${session.id}: ${session.status}.`, 'success')
      onClose()
      onProvisioned(session.id)
    } catch (err) {
      setError(errorText(err))
      setStep('edit')
    }
  }

  useOverlayKeys((input, key) => {
    if (step === 'sending') return
    if (key.escape) return onClose()
    if (key.return) return void review()
    if (key.upArrow || (key.tab && key.shift)) return setFocus((focusRef.current + rows - 1) % rows)
    if (key.downArrow || key.tab) return setFocus((focusRef.current + 1) % rows)
    const textField = textFieldAt(focusRef.current)
    if (textField) {
      if (key.backspace || key.delete) return setFields((f) => ({...f, [textField]: f[textField].slice(0, -1)}))
      const accept = textField === 'consumer' ? /[\w.@:-]/ : /[0-9]/
      const typed = [...input].filter((c) => accept.test(c)).join('')
      if (typed && !key.ctrl && !key.meta) setFields((f) => ({...f, [textField]: (f[textField] + typed).slice(0, 200)}))
      return
    }
    const sshKey = keys?.[focusRef.current - 3]
    if (sshKey && input === ' ') {
      setFields((f) => ({...f, keyIds: f.keyIds.includes(sshKey.id) ? f.keyIds.filter((id) => id !== sshKey.id) : [...f.keyIds, sshKey.id]}))
    }
  })

  if (step === 'sending') {
    return (
      <Box flexDirection="column" borderStyle="round" borderColor="red" paddingX={1}>
        <Text bold color="red">
          Renting… the daemon is reserving the instance
        </Text>
        {summary(fields).map((line, i) => (
          <Text key={i} wrap={i === 0 ? 'truncate' : 'wrap'}>
            {line}
          </Text>
        ))}
        <Text> </Text>
        <Text dimColor>One idempotency key covers this request: a retry cannot rent a second machine.</Text>
      </Box>
    )
  }

  const line = (index: number, label: string, value: string, hint: string) => (
    <Text key={label} inverse={focus === index} wrap="truncate">
      {`${fit(label, 12)} ${fit(value + (focus === index ? '▏' : ''), 24)} `}
      <Text dimColor>{hint}</Text>
    </Text>
  )
  return (
    <Box flexDirection="column" borderStyle="round" borderColor="cyan" paddingX={1}>
      <Text bold color="cyan" wrap="truncate">
        {title}
      </Text>
      {line(0, 'Consumer', fields.consumer, 'who pays: letters, digits . _ - @ :')}
      {line(1, 'Hours', fields.hours, `reservation, ${MIN_RESERVATION_HOURS}-${MAX_RESERVATION_HOURS} (extend later)`)}
      {line(2, 'Disk GB', fields.disk, `${MIN_DISK_GB}-${MAX_DISK_GB}`)}
      <Text dimColor>SSH keys put on the machine besides its own session key (space toggles):</Text>
      {keys === null ? <Text dimColor>  loading registered keys…</Text> : null}
      {keys?.length === 0 ? <Text dimColor>  none registered (gpu-shopper ssh-keys add)</Text> : null}
      {keys?.map((k, i) => (
        <Text key={k.id} inverse={focus === 3 + i} wrap="truncate">
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
