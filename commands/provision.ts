import {randomUUID} from 'node:crypto'

import {Flags} from '@oclif/core'

import {BaseCommand, apiFlags} from '../src/cli/base-command.js'
import {defaultConsumer} from '../src/cli/flags/default-consumer.js'
import {NO_INSTANCE_CREATED} from '../src/cli/errors.js'
import {renderFields} from '../src/cli/output/output.js'
import {saveSessionKey} from '../src/cli/ssh/save-key.js'
import {passKeyOn} from '../src/cli/ssh/retry-keys.js'
import {type Provisioned, endedRepeatNote, provisionAllocation, provisionSession} from '../src/cli/flows/provision.js'
import {HARD_MAX_WARNING, hardMaxOverrideFlag} from '../src/cli/flags/hard-max-override.js'
import {provisionTarget} from '../src/cli/flags/provision-target.js'
import {eventLine, runningSummary, sshCommand} from '../src/cli/output/session-summary.js'
import {checkIntRange, checkNotBlank} from '../src/cli/flags/validate.js'
import {decimalFlag} from '../src/cli/flags/decimal-flag.js'
import {launchBody, launchFlags} from '../src/cli/flags/launch-flags.js'
import {retryBody, retryFlags} from '../src/cli/flags/retry-flags.js'
import {followRetryChain} from '../src/cli/flows/follow-retries.js'
import {sshKeyIdsFrom} from '../src/cli/ssh/ssh-key-ids.js'
import {outcomeError} from '../src/cli/flows/wait-outcome.js'
import {appPaths} from '../src/config/paths.js'
import type {SessionDto} from '../src/core/api/sessions.js'
import {DEFAULT_DISK_GB, DEFAULT_RESERVATION_HOURS, MAX_DISK_GB, MAX_GPU_COUNT, MAX_IDLE_THRESHOLD_MINUTES, MAX_RESERVATION_HOURS, MIN_DISK_GB, MIN_RESERVATION_HOURS} from '../src/core/limits.js'
import {STORAGE_POLICIES, type StoragePolicy, WORKLOAD_TYPES, type WorkloadType} from '../src/core/session.js'

export interface ProvisionResult {
  session: SessionDto
  /** Null for a repeat whose session has ended (its key was deleted then). */
  ssh_key_path: string | null
  ssh_command: string | null
  idempotency_key: string
}

export default class Provision extends BaseCommand {
  static override summary = 'Rent a GPU offer as a session'
  static override description =
    'Creates a session from an offer id (see `inventory`), or by spec: with --gpu-type (and --gpus, --region, --max-price) instead of --offer-id the daemon ' +
    'picks the cheapest reliable live offer that matches, failing over to the next one if an offer turns out stale (the same as `allocations create`). ' +
    'An ed25519 key pair is generated for it here; only the public key is sent. ' +
    'The request carries an idempotency key (generated unless given), so repeating it never rents twice.'

  static override examples = [
    '<%= config.bin %> provision --offer-id vastai-12345 --consumer-id my-app --workload-type llm --hours 2',
    '<%= config.bin %> provision --offer-id vastai-12345 --hours 1 --wait',
    '<%= config.bin %> provision --offer-id vastai-12345 --workload-type llm_vllm --model-id Qwen/Qwen2.5-0.5B-Instruct --env HF_TOKEN --wait',
    '<%= config.bin %> provision --offer-id vastai-12345 --image pytorch/pytorch:2.5.1-cuda12.4-cudnn9-runtime --on-start "tensorboard --logdir runs --bind_all" --expose 6006',
    '<%= config.bin %> provision --gpu-type "RTX 4090" --gpus 1 --max-price 0.5 --region US --wait',
    '<%= config.bin %> provision --offer-id vastai-30733007 --workload-type ssh --hours 4 --disk-gb 200 --template-hash-id a8a44c73',
    '<%= config.bin %> provision --offer-id vastai-30733007 --template vastai-a8a44c7363cbca20056020397e3bf072 --wait',
  ]

  static override flags = {
    ...apiFlags,
    'offer-id': Flags.string({description: 'Offer to rent, e.g. vastai-12345 (from `inventory`); or give --gpu-type instead'}),
    'gpu-type': Flags.string({description: 'Provision by spec: GPU model, e.g. "RTX 4090"; the daemon picks the offer (instead of --offer-id)'}),
    gpus: Flags.integer({description: `With --gpu-type: number of GPUs, 1-${MAX_GPU_COUNT} (default 1)`}),
    region: Flags.string({description: 'With --gpu-type: country or region code, e.g. "US" or "us-east-1"'}),
    'max-price': decimalFlag({description: 'With --gpu-type: highest price for the whole instance, USD per hour'}),
    'consumer-id': Flags.string({description: 'Who the session and its costs belong to (default: your login name)'}),
    'workload-type': Flags.string({description: 'What the GPU is for; llm_vllm and llm_tgi start a model server (with --model-id) and run once it answers', options: [...WORKLOAD_TYPES], default: 'ssh'}),
    ...launchFlags,
    ...retryFlags,
    hours: Flags.integer({description: `Reservation in hours, ${MIN_RESERVATION_HOURS}-${MAX_RESERVATION_HOURS}; extend later with \`extend\``, default: DEFAULT_RESERVATION_HOURS}),
    'idle-threshold': Flags.integer({description: 'Release automatically after this many idle minutes (0 = off)', default: 0}),
    'storage-policy': Flags.string({description: 'What happens to the disk at the end', options: [...STORAGE_POLICIES], default: 'destroy'}),
    'disk-gb': Flags.integer({description: `Disk size in GB (default ${DEFAULT_DISK_GB}, or the template's recommended disk when that is more); cannot be changed later`}),
    template: Flags.string({description: 'Template to boot, from `templates list` (a Vast.ai template or a TensorDock OS image); refused unless the offer can run it, or by spec, picked among the offers that can'}),
    'template-hash-id': Flags.string({description: 'Provider template to boot, raw (Vast.ai template hash); --template checks the offer first'}),
    'ssh-key-id': Flags.string({description: 'Registered SSH key (see `ssh-keys list`) to trust as well as the generated one (repeatable)', multiple: true}),
    'save-key': Flags.string({description: 'Also copy the session\'s private key to this path (0600)'}),
    force: Flags.boolean({description: 'With --save-key: overwrite an existing file'}),
    'idempotency-key': Flags.string({description: 'Repeat-safe request key; the same key and flags return the first result instead of renting again'}),
    'hard-max-override': hardMaxOverrideFlag,
    wait: Flags.boolean({description: 'Wait until the session is running (or failed); Ctrl-C stops waiting, not the session'}),
    timeout: Flags.integer({description: 'With --wait: give up waiting after this many seconds', default: 600}),
  }

  static override readonly dataSchema = 'ProvisionResult'

  async run(): Promise<ProvisionResult> {
    const {flags} = await this.parse(Provision)
    const {target, sshKeyIds, launch, retry} = this.checkFlags(NO_INSTANCE_CREATED, () => {
      const target = provisionTarget(flags)
      checkNotBlank('consumer-id', flags['consumer-id'])
      checkIntRange('hours', flags.hours, MIN_RESERVATION_HOURS, MAX_RESERVATION_HOURS, `Reserve what you need now; \`gpu-shopper extend <id> --hours N\` adds more later, up to ${MAX_RESERVATION_HOURS} h in total.`)
      checkIntRange('idle-threshold', flags['idle-threshold'], 0, MAX_IDLE_THRESHOLD_MINUTES)
      checkIntRange('disk-gb', flags['disk-gb'], MIN_DISK_GB, MAX_DISK_GB)
      checkIntRange('timeout', flags.timeout, 1, 24 * 3600)
      checkNotBlank('idempotency-key', flags['idempotency-key'])
      checkNotBlank('save-key', flags['save-key'])
      return {target, sshKeyIds: sshKeyIdsFrom(flags['ssh-key-id']), launch: launchBody(flags), retry: retryBody(flags)}
    })
    const consumerId = flags['consumer-id'] ?? defaultConsumer()
    const idempotencyKey = flags['idempotency-key'] ?? `cli-${randomUUID()}`

    const {client} = await this.connect(flags)
    const paths = appPaths()
    const common = {
      idempotencyKey,
      consumer_id: consumerId,
      workload_type: flags['workload-type'] as WorkloadType,
      reservation_hours: flags.hours,
      idle_threshold_minutes: flags['idle-threshold'],
      storage_policy: flags['storage-policy'] as StoragePolicy,
      disk_gb: flags['disk-gb'],
      ...(flags['hard-max-override'] ? {hard_max_override: true} : {}),
      ...(sshKeyIds.length > 0 ? {ssh_key_ids: sshKeyIds} : {}),
      ...launch,
      ...retry,
    }
    if (flags['hard-max-override']) this.warnUser(HARD_MAX_WARNING)
    const context = {paths, narrate: (m: string) => this.narrate(m)}
    let created: Provisioned
    if (target.kind === 'offer') {
      this.narrate(`Renting ${target.offerId} for ${flags.hours} h as ${consumerId} (idempotency key ${idempotencyKey})…`)
      created = await provisionSession(client, {...common, offer_id: target.offerId, template_hash_id: flags['template-hash-id'], template: flags.template?.trim()}, context)
    } else {
      const spec = `${target.gpus}x ${target.gpuType}${target.region ? ` in ${target.region}` : ''}${target.maxPrice === undefined ? '' : ` at most $${target.maxPrice}/h`}`
      this.narrate(`Finding the best offer for ${spec}, for ${flags.hours} h as ${consumerId} (idempotency key ${idempotencyKey})…`)
      const allocated = await provisionAllocation(
        client,
        {...common, gpu_type: target.gpuType, gpus_total: target.gpus, region_code: target.region, max_price: target.maxPrice, template: flags.template?.trim()},
        context,
      )
      this.narrate(`Picked ${allocated.allocation.offer_id} (${allocated.allocation.provider}).`)
      // Read back as a session so both paths return, follow and summarise the same object.
      created = {...allocated, session: await client.sessions.get(allocated.allocation.id)}
    }
    this.markSimulated(created.session.simulated)
    let session = created.session
    if (created.sshKeyPath === null) {
      // A repeat of a create whose session has ended: nothing to wait for, connect to or save.
      this.out(renderFields([session.id, runningSummary(session, Date.now())]))
      if (flags['save-key']) this.warnUser(`--save-key: ${session.id} has no private key any more; nothing was saved.`)
      this.warnUser(endedRepeatNote(session.id, idempotencyKey))
      return {session, ssh_key_path: null, ssh_command: null, idempotency_key: idempotencyKey}
    }

    if (flags.wait) {
      this.narrate(`Session ${session.id} is ${session.status}; waiting until it runs (Ctrl-C stops waiting, not the session)…`)
      const outcome = await followRetryChain(client, session.id, {
        until: ['running'],
        timeoutMs: flags.timeout * 1000,
        signal: this.interruptSignal(),
        onEvent: (event) => this.narrate(eventLine(event)),
        onRetry: (failed, next) => {
          this.narrate(`Session ${failed.id} failed on its host; auto-retry goes on as ${next}.`)
          void passKeyOn(failed.id, next, paths)
        },
        history: true,
      })
      if (outcome.kind !== 'reached') throw outcomeError(outcome, 'running', flags.timeout)
      // After auto-retry the running session is another: its id comes first.
      const retried = outcome.session.id !== session.id
      session = outcome.session
      this.out(retried ? renderFields([session.id, runningSummary(session, Date.now())]) : runningSummary(session, Date.now()))
    } else {
      this.out(renderFields([session.id, runningSummary(session, Date.now())]))
      this.narrate(`Follow it with: gpu-shopper sessions get ${session.id} --watch`)
    }
    if (flags['save-key']) {
      const saved = await saveSessionKey(created.sshKeyPath, flags['save-key'], {force: flags.force})
      this.narrate(`Saved its private key to ${saved} (0600).`)
    }
    const ssh = sshCommand({...session, throughNode: session.ssh_jump !== null}, created.sshKeyPath)
    this.narrate(ssh ? `Connect with: ${ssh}` : `Its private key is in ${created.sshKeyPath} (0600).`)
    if (session.api_endpoint) this.narrate(`Its server answers at ${session.api_endpoint}; on this machine through SSH: gpu-shopper connect ${session.id} --forward api -N`)
    this.narrate(`Release it when done: gpu-shopper done ${session.id}`)
    return {session, ssh_key_path: created.sshKeyPath, ssh_command: ssh, idempotency_key: idempotencyKey}
  }
}
