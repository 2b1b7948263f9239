import {Flags} from '@oclif/core'

import {BaseCommand, apiFlags} from '../../src/cli/base-command.js'
import {PRICE_POINT_COLUMNS} from '../../src/cli/output/columns/price-history.js'
import {renderTable} from '../../src/cli/output/output.js'
import {sinceParam} from '../../src/cli/flags/since.js'
import {medianTrendLines} from '../../src/cli/output/sparkline.js'
import {checkIntRange, checkNotBlank} from '../../src/cli/flags/validate.js'
import {plural} from '../../src/cli/output/format.js'
import type {HistoryReply} from '../../src/core/api/inventory.js'
import {MAX_PRICE_HISTORY_POINTS} from '../../src/core/limits.js'
import {PROVIDER_NAMES} from '../../src/core/provider-name.js'

export default class InventoryHistory extends BaseCommand {
  static override summary = 'Show how a GPU model\'s price moved, per marketplace'
  static override description =
    'Each inventory refresh records the cheapest and the median price per GPU-hour of a GPU model at every marketplace. ' +
    'On a terminal a sparkline of the median follows the table; piped output is tab-separated with no header.'

  static override examples = [
    '<%= config.bin %> inventory history --gpu-type "RTX 4090"',
    '<%= config.bin %> inventory history --gpu-type H100 --provider vastai --since 7d',
    '<%= config.bin %> inventory history --gpu-type "RTX 4090" --since 2026-01-01 --limit 100 --json',
  ]

  static override flags = {
    ...apiFlags,
    'gpu-type': Flags.string({description: 'GPU model, e.g. "RTX 4090" (case-insensitive)', required: true}),
    provider: Flags.string({description: 'Only this marketplace', options: [...PROVIDER_NAMES]}),
    since: Flags.string({description: 'From this point on: a look-back like 24h or 7d, a date (YYYY-MM-DD) or an RFC 3339 time'}),
    limit: Flags.integer({description: `At most this many of the latest points (1-${MAX_PRICE_HISTORY_POINTS})`}),
  }

  static override readonly dataSchema = 'HistoryReply'

  async run(): Promise<HistoryReply> {
    const {flags} = await this.parse(InventoryHistory)
    checkNotBlank('gpu-type', flags['gpu-type'])
    checkIntRange('limit', flags.limit, 1, MAX_PRICE_HISTORY_POINTS)
    const since = sinceParam(flags.since, this.now)
    const {client} = await this.connect(flags)
    const reply = await client.inventory.history({gpu_type: flags['gpu-type'], provider: flags.provider, since, limit: flags.limit})
    this.markSimulated(reply.simulated)
    if (reply.points.length === 0) {
      this.narrate(
        `No price history for ${reply.gpu_type} yet${flags.since ? ' in that period' : ''}: points are recorded at each inventory refresh. ` +
          'Check the name with `gpu-shopper catalog list`.',
      )
      return reply
    }
    this.out(await renderTable(PRICE_POINT_COLUMNS, reply.points, {ctx: {now: this.now}}))
    // The sparkline is for eyes only: a pipe gets just the rows.
    if (this.interactive) this.out(['', `Median $/GPU/h of ${reply.gpu_type}, oldest to newest:`, ...medianTrendLines(reply.points)].join('\n'))
    this.narrate(`${plural(reply.count, 'point')}.`)
    return reply
  }
}
