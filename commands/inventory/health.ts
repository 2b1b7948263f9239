import {Flags} from '@oclif/core'

import {BaseCommand, apiFlags} from '../../src/cli/base-command.js'
import {HOST_HEALTH_COLUMNS} from '../../src/cli/output/columns/host-health.js'
import {renderTable} from '../../src/cli/output/output.js'
import {plural} from '../../src/cli/output/format.js'
import {checkNotBlank} from '../../src/cli/flags/validate.js'
import type {OfferHealthReply} from '../../src/core/api/offer-health.js'
import {PROVIDER_NAMES} from '../../src/core/provider-name.js'

export default class InventoryHealth extends BaseCommand {
  static override summary = 'Show how provisioning went on each machine lately (offer and host health)'
  static override description =
    'Every provisioning that ended (running, or a host that never booted, never let us in, was not what was listed, vanished, or an offer already gone) ' +
    'is recorded against its offer and machine. Availability confidence is the success rate, each outcome halving in weight every day, from 0.9 for the untried; ' +
    'it ranks provisioning by spec and auto-retry, and a machine that failed twice in a row is skipped for an hour. Worst first.'

  static override examples = ['<%= config.bin %> inventory health', '<%= config.bin %> inventory health --provider vastai --json', '<%= config.bin %> inventory health --host-id vastai:4242']

  static override flags = {
    ...apiFlags,
    provider: Flags.string({description: 'Only this marketplace', options: [...PROVIDER_NAMES]}),
    'host-id': Flags.string({description: 'One machine, as offers show it in host_id (e.g. vastai:4242)'}),
    'offer-id': Flags.string({description: 'Outcomes on this offer only'}),
  }

  static override readonly dataSchema = 'OfferHealthReply'

  async run(): Promise<OfferHealthReply> {
    const {flags} = await this.parse(InventoryHealth)
    checkNotBlank('host-id', flags['host-id'])
    checkNotBlank('offer-id', flags['offer-id'])
    const {client} = await this.connect(flags)
    const reply = await client.inventory.health({provider: flags.provider, host_id: flags['host-id'], offer_id: flags['offer-id']})
    this.markSimulated(reply.simulated)
    if (reply.hosts.length === 0) {
      this.narrate(`No provisioning outcomes in the last ${reply.window_days} days${flags.provider || flags['host-id'] || flags['offer-id'] ? ' for that filter' : ''}: every offer counts as untried (90%).`)
      return reply
    }
    this.out(await renderTable(HOST_HEALTH_COLUMNS, reply.hosts, {ctx: {now: this.now}}))
    this.narrate(`${plural(reply.count, 'machine')}; outcomes of the last ${reply.window_days} days, halving in weight every ${reply.half_life_hours} h.`)
    return reply
  }
}
