import {Flags} from '@oclif/core'

import {BaseCommand, apiFlags} from '../src/cli/base-command.js'
import {OFFER_COLUMNS, pricesIncludeNote} from '../src/cli/output/columns/offers.js'
import {sortFlag} from '../src/cli/flags/inventory-sort.js'
import {renderTable} from '../src/cli/output/output.js'
import {staleProvidersWarning} from '../src/cli/output/stale-warning.js'
import {checkIntRange, checkNotBlank, checkNumberRange} from '../src/cli/flags/validate.js'
import {decimalFlag} from '../src/cli/flags/decimal-flag.js'
import {countOf} from '../src/cli/output/format.js'
import type {InventoryReply} from '../src/core/api/inventory.js'
import {MAX_GPU_COUNT, MAX_PAGE_SIZE, MAX_PRICE_USD_PER_HOUR, MAX_VRAM_GB} from '../src/core/limits.js'
import {PROVIDER_NAMES} from '../src/core/provider-name.js'

export default class Inventory extends BaseCommand {
  static override summary = 'List GPU offers across marketplaces'
  static override description =
    'Offers are cached by the daemon and refreshed in the background; a provider that cannot be reached is reported as stale. Piped output is tab-separated with no header.'

  static override examples = [
    '<%= config.bin %> inventory --gpu-type "RTX 4090" --max-price 0.50',
    '<%= config.bin %> inventory --min-vram 24 --sort reliability',
    '<%= config.bin %> inventory --gpu-type H100 --min-gpu-count 8 --sort price-per-gpu',
    '<%= config.bin %> inventory --provider vastai --limit 5 --json',
    '<%= config.bin %> inventory --template vastai-a8a44c7363cbca20056020397e3bf072 --sort price',
  ]

  static override flags = {
    ...apiFlags,
    'gpu-type': Flags.string({description: 'GPU model, e.g. "RTX 4090" or "H100" (case-insensitive)'}),
    'min-vram': Flags.integer({description: 'Minimum GPU memory per GPU, in GB'}),
    'max-price': decimalFlag({description: 'Maximum price for the whole offer, USD per hour'}),
    provider: Flags.string({description: 'Only this marketplace', options: [...PROVIDER_NAMES]}),
    'min-gpu-count': Flags.integer({description: 'Minimum number of GPUs in the offer'}),
    location: Flags.string({description: 'Part of the location or a country code, e.g. "US"'}),
    'min-reliability': decimalFlag({description: 'Minimum reliability score, 0 to 1'}),
    template: Flags.string({description: 'Only offers that can run this template (see `templates list`): its provider\'s, with the CUDA and disk it needs'}),
    sort: sortFlag({default: 'price'}),
    order: Flags.string({description: 'Sort order (default: the natural one for the key)', options: ['asc', 'desc']}),
    limit: Flags.integer({description: `At most this many offers (1-${MAX_PAGE_SIZE})`}),
  }

  static override readonly dataSchema = 'InventoryReply'

  async run(): Promise<InventoryReply> {
    const {flags} = await this.parse(Inventory)
    checkNotBlank('gpu-type', flags['gpu-type'])
    checkNotBlank('location', flags.location)
    checkNotBlank('template', flags.template)
    checkIntRange('min-vram', flags['min-vram'], 0, MAX_VRAM_GB)
    checkNumberRange('max-price', flags['max-price'], 0, MAX_PRICE_USD_PER_HOUR)
    checkIntRange('min-gpu-count', flags['min-gpu-count'], 1, MAX_GPU_COUNT)
    checkNumberRange('min-reliability', flags['min-reliability'], 0, 1)
    checkIntRange('limit', flags.limit, 1, MAX_PAGE_SIZE)

    const {client} = await this.connect(flags)
    const reply = await client.inventory.list({
      gpu_type: flags['gpu-type'],
      min_vram: flags['min-vram'],
      max_price: flags['max-price'],
      provider: flags.provider,
      min_gpu_count: flags['min-gpu-count'],
      location: flags.location,
      min_reliability: flags['min-reliability'],
      template: flags.template?.trim(),
      sort: flags.sort,
      order: flags.order,
      limit: flags.limit,
    })

    this.markSimulated(reply.simulated)
    const stale = staleProvidersWarning(reply.stale_providers)
    if (stale) this.warnUser(stale)
    const filtered = ['gpu-type', 'min-vram', 'max-price', 'provider', 'min-gpu-count', 'location', 'min-reliability', 'template'].some(
      (name) => flags[name as keyof typeof flags] !== undefined,
    )
    if (reply.offers.length === 0) {
      this.narrate(
        filtered
          ? 'No offers match. Loosen a filter (e.g. raise --max-price or drop --gpu-type).'
          : 'No offers at all: no marketplace is configured, or none has answered yet. See `gpu-shopper daemon status`, or try the simulated market with `gpu-shopper demo`.',
      )
    } else {
      this.out(await renderTable(OFFER_COLUMNS, reply.offers, {ctx: {now: this.now}}))
      this.narrate(pricesIncludeNote(reply.offers))
      this.narrate(
        `${countOf(reply.count, reply.total, 'offer')}${reply.count < reply.total ? ' (raise --limit for more)' : ''}. Rent one with: gpu-shopper provision --offer-id <ID> --hours 1`,
      )
    }
    return reply
  }
}

