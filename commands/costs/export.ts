import {Flags} from '@oclif/core'

import {BaseCommand, apiFlags} from '../../src/cli/base-command.js'
import {type CostsExportResult, checkExportFlags, exportResult, writeExportFile} from '../../src/cli/output/costs-export.js'
import {checkWritableDestination} from '../../src/cli/flags/local-path.js'

export default class CostsExport extends BaseCommand {
  static override summary = 'Export the cost ledger as CSV'
  static override description =
    'One line per billed period of a session (RFC 4180, CRLF line ends), with a header: ' +
    'session_id, consumer_id, provider, gpu_type, period_start, period_end, seconds, price_per_hour_usd, amount_usd, amount_micro_usd, component (compute, storage or settlement). ' +
    'amount_micro_usd is exact: its sum is the `costs` total for the same filters.\n\n' +
    'The CSV goes to stdout, or to --output-file (mode 0644). --json prints {path?, rows} instead, rows as objects.'

  static override examples = [
    '<%= config.bin %> costs export --format csv > costs.csv',
    '<%= config.bin %> costs export --format csv --consumer-id my-app --start-date 2026-01-01 --end-date 2026-01-31 --output-file jan.csv',
  ]

  static override flags = {
    ...apiFlags,
    format: Flags.string({description: 'Export format', options: ['csv'], default: 'csv'}),
    'consumer-id': Flags.string({description: 'Only this consumer\'s sessions'}),
    'session-id': Flags.string({description: 'Only this session'}),
    'start-date': Flags.string({description: 'From this day (YYYY-MM-DD, UTC)'}),
    'end-date': Flags.string({description: 'Up to and including this day (YYYY-MM-DD, UTC)'}),
    'output-file': Flags.string({description: 'Write the CSV to this file (mode 0644) instead of stdout'}),
  }

  static override readonly dataSchema = 'CostsExport'

  async run(): Promise<CostsExportResult> {
    const {flags} = await this.parse(CostsExport)
    checkExportFlags(flags)
    if (flags['output-file'] !== undefined) await checkWritableDestination('--output-file', flags['output-file'], 'nothing was exported')
    const {client} = await this.connect(flags)
    const csv = await client.costs.exportCsv({
      format: 'csv',
      consumer_id: flags['consumer-id'],
      session_id: flags['session-id'],
      start_date: flags['start-date'],
      end_date: flags['end-date'],
    })
    if (flags['output-file'] === undefined) {
      // Written as the daemon sent it, CRLF line ends and all.
      if (!this.jsonEnabled()) process.stdout.write(csv)
      return exportResult(csv)
    }
    const path = await writeExportFile(flags['output-file'], csv)
    const result = exportResult(csv, path)
    this.narrate(`Wrote ${result.rows.length} ledger row${result.rows.length === 1 ? '' : 's'} to ${path}.`)
    return result
  }
}
