import {randomUUID} from 'node:crypto'

import {Flags} from '@oclif/core'

import {allocationSpec} from '../../src/cli/flags/allocation-spec.js'
import {BaseCommand, apiFlags} from '../../src/cli/base-command.js'
import {allocationDetails} from '../../src/cli/output/columns/allocations.js'
import {defaultConsumer} from '../../src/cli/flags/default-consumer.js'
import {renderDetails} from '../../src/cli/output/output.js'
import {outputFlag} from '../../src/cli/output/output-mode.js'
import {endedRepeatNote, provisionAllocation} from '../../src/cli/flows/provision.js'
import {HARD_MAX_WARNING, hardMaxOverrideFlag} from '../../src/cli/flags/hard-max-override.js'
import {checkIntRange, checkNotBlank} from '../../src/cli/flags/validate.js'
import {decimalFlag} from '../../src/cli/flags/decimal-flag.js'
import {launchBody, launchFlags} from '../../src/cli/flags/launch-flags.js'
import {retryBody, retryFlags} from '../../src/cli/flags/retry-flags.js'
import {appPaths} from '../../src/config/paths.js'
import type {AllocationDto} from '../../src/core/api/allocations.js'
import {DEFAULT_RESERVATION_HOURS, MAX_GPU_COUNT, MAX_RESERVATION_HOURS, MIN_RESERVATION_HOURS} from '../../src/core/limits.js'
import {WORKLOAD_TYPES, type WorkloadType} from '../../src/core/session.js'

export default class AllocationsCreate extends BaseCommand {
  static override summary = 'Allocate GPUs by SKU, count and region'
  static override description =
    'The quick start\'s create: the daemon picks the cheapest reliable live offer for the SKU (see `catalog list`) and fails over to the next one if an offer turns out stale. ' +
    'An ed25519 key pair is generated here and only its public key is sent; --ssh-key-id adds keys you registered. ' +
    'The request carries an idempotency key (generated unless given): the same key and flags return the first allocation instead of a second one.\n\n' +
    'Output: `--output json` prints the allocation object itself on stdout (so `--output json | jq -r .id` gives its id); on failure stdout stays empty and ' +
    'the error goes to stderr with a non-zero exit code. `--json` prints the standard {ok, data, warnings} envelope (data is the same allocation object), errors included.'

  static override examples = [
    '<%= config.bin %> allocations create --sku rtx-4090 --gpus 1 --region US',
    'ALLOC=$(<%= config.bin %> allocations create --sku rtx-4090 --gpus 1 --region US --idempotency-key quickstart-001 --output json | jq -r .id)',
    '<%= config.bin %> allocations create --gpu-type "H100 SXM" --gpus 8 --max-price 20 --hours 4 --workload-type training',
  ]

  static override flags = {
    ...apiFlags,
    sku: Flags.string({description: 'SKU to allocate, e.g. rtx-4090 (from `catalog list`); or give --gpu-type'}),
    'gpu-type': Flags.string({description: 'GPU model instead of a SKU, e.g. "RTX 4090"'}),
    gpus: Flags.integer({description: `Number of GPUs, 1-${MAX_GPU_COUNT}`, default: 1}),
    region: Flags.string({description: 'Country or region code, e.g. "US" or "us-east-1", or a self-hosted node\'s region (default: anywhere)'}),
    'ssh-key-id': Flags.string({description: 'Registered SSH key to trust as well (repeatable)', multiple: true}),
    'max-price': decimalFlag({description: 'Highest price for the whole allocation, USD per hour'}),
    'consumer-id': Flags.string({description: 'Who the allocation and its costs belong to (default: your login name)'}),
    hours: Flags.integer({description: `Reservation in hours, ${MIN_RESERVATION_HOURS}-${MAX_RESERVATION_HOURS}`, default: DEFAULT_RESERVATION_HOURS}),
    'workload-type': Flags.string({description: 'What the GPUs are for; llm_vllm and llm_tgi start a model server (with --model-id) and run once it answers', options: [...WORKLOAD_TYPES], default: 'ssh'}),
    template: Flags.string({description: 'Template to boot, from `templates list`: the allocation is picked among the offers that can run it (its provider, CUDA and disk)'}),
    ...launchFlags,
    ...retryFlags,
    'idempotency-key': Flags.string({description: 'Repeat-safe request key; the same key and flags return the first allocation'}),
    'hard-max-override': hardMaxOverrideFlag,
    output: outputFlag,
  }

  static override readonly dataSchema = 'AllocationDto'

  async run(): Promise<AllocationDto> {
    const {flags} = await this.parse(AllocationsCreate)
    const spec = this.checkFlags('No allocation was created.', () => {
      const checked = allocationSpec(flags)
      checkNotBlank('consumer-id', flags['consumer-id'])
      checkIntRange('hours', flags.hours, MIN_RESERVATION_HOURS, MAX_RESERVATION_HOURS)
      checkNotBlank('idempotency-key', flags['idempotency-key'])
      checkNotBlank('template', flags.template)
      return {...checked, ...launchBody(flags), ...retryBody(flags), ...(flags.template === undefined ? {} : {template: flags.template.trim()})}
    })
    const consumerId = flags['consumer-id'] ?? defaultConsumer()
    const idempotencyKey = flags['idempotency-key'] ?? `cli-${randomUUID()}`

    const {client} = await this.connect(flags)
    if (flags['hard-max-override']) this.warnUser(HARD_MAX_WARNING)
    this.narrate(`Allocating ${spec.gpus_total}x ${spec.sku ?? spec.gpu_type}${spec.region_code ? ` in ${spec.region_code}` : ''} as ${consumerId} (idempotency key ${idempotencyKey})…`)
    const {allocation, sshKeyPath} = await provisionAllocation(
      client,
      {
        ...spec,
        idempotencyKey,
        consumer_id: consumerId,
        reservation_hours: flags.hours,
        workload_type: flags['workload-type'] as WorkloadType,
        ...(flags['hard-max-override'] ? {hard_max_override: true} : {}),
      },
      {paths: appPaths(), narrate: (m) => this.narrate(m)},
    )
    this.markSimulated(allocation.simulated)
    this.out(renderDetails(allocationDetails(allocation, {now: this.now})))
    if (sshKeyPath === null) {
      this.warnUser(endedRepeatNote(allocation.id, idempotencyKey))
      return allocation
    }
    this.narrate(`Its private key is in ${sshKeyPath} (0600).`)
    this.narrate(`Wait until it is active: gpu-shopper allocations get ${allocation.id} --watch`)
    this.narrate(`Release it when done: gpu-shopper allocations release ${allocation.id}`)
    return allocation
  }
}
