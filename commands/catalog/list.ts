import {Flags} from '@oclif/core'

import {BaseCommand, apiFlags} from '../../src/cli/base-command.js'
import {CATALOG_COLUMNS} from '../../src/cli/output/columns/catalog.js'
import {renderTable} from '../../src/cli/output/output.js'
import {outputFlag} from '../../src/cli/output/output-mode.js'
import {staleProvidersWarning} from '../../src/cli/output/stale-warning.js'
import {checkNotBlank} from '../../src/cli/flags/validate.js'
import {plural} from '../../src/cli/output/format.js'
import type {CatalogReply} from '../../src/core/api/catalog.js'
import {PROVIDER_NAMES} from '../../src/core/provider-name.js'

export default class CatalogList extends BaseCommand {
  static override summary = 'List the GPU SKUs for sale across marketplaces'
  static override description =
    'The live offers grouped into SKUs (a GPU model at a GPU count, e.g. rtx-4090) across every marketplace; "FROM $/H" is the cheapest offer for the whole SKU. ' +
    'Allocate one with `allocations create --sku <SKU>`. Piped output is tab-separated with no header. ' +
    '`--output json` prints the reply object ({items, count, ...}); `--json` prints the {ok, data, warnings} envelope.'

  static override examples = [
    '<%= config.bin %> catalog list',
    '<%= config.bin %> catalog list --region US --gpu-type "RTX 4090"',
    '<%= config.bin %> catalog list --output json | jq -r \'.items[].sku\'',
  ]

  static override flags = {
    ...apiFlags,
    region: Flags.string({description: 'Only SKUs offered here: a country or region code, e.g. "US" or "us-east-1", or a self-hosted node\'s region, e.g. "home-lab"'}),
    provider: Flags.string({description: 'Only this marketplace', options: [...PROVIDER_NAMES]}),
    'gpu-type': Flags.string({description: 'Only this GPU model, e.g. "RTX 4090" (case-insensitive)'}),
    output: outputFlag,
  }

  static override readonly dataSchema = 'CatalogReply'

  async run(): Promise<CatalogReply> {
    const {flags} = await this.parse(CatalogList)
    checkNotBlank('region', flags.region)
    checkNotBlank('gpu-type', flags['gpu-type'])
    const {client} = await this.connect(flags)
    const reply = await client.catalog.list({region: flags.region, provider: flags.provider, gpu_type: flags['gpu-type']})
    this.markSimulated(reply.simulated)
    const stale = staleProvidersWarning(reply.stale_providers)
    if (stale) this.warnUser(stale)
    if (reply.items.length === 0) {
      const filtered = flags.region !== undefined || flags.provider !== undefined || flags['gpu-type'] !== undefined
      this.narrate(
        filtered
          ? 'No SKUs match. Drop a filter (e.g. --region).'
          : 'Nothing for sale: no marketplace is configured, or none has answered yet. See `gpu-shopper daemon status`.',
      )
    } else {
      this.out(await renderTable(CATALOG_COLUMNS, reply.items, {ctx: {now: this.now}}))
      this.narrate(`${plural(reply.count, 'SKU')}. Allocate one with: gpu-shopper allocations create --sku <SKU> --gpus 1`)
    }
    return reply
  }
}
