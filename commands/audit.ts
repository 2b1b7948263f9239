import {Flags} from '@oclif/core'

import {BaseCommand, apiFlags} from '../src/cli/base-command.js'
import {AUDIT_COLUMNS} from '../src/cli/output/columns/audit.js'
import {renderTable} from '../src/cli/output/output.js'
import type {AuditReply} from '../src/core/api/audit.js'

export default class Audit extends BaseCommand {
  static override summary = "Who did what: the tenant's audit log of every change (admins)"
  static override description =
    'Every mutating request to the server (creates, releases, extensions, keys, budgets, nodes), refused and failed ones included: who, when, what it acted on, its request id and outcome. Oldest first; --after continues where the last page ended.'

  static override examples = ['<%= config.bin %> audit --server https://gpus.example.com', '<%= config.bin %> audit --user bob --after 120 --json']

  static override flags = {
    ...apiFlags,
    user: Flags.string({description: 'Only what this user did (their id at the IdP)'}),
    after: Flags.integer({description: 'Entries after this id (the last ID of the previous page)', min: 0}),
    limit: Flags.integer({description: 'At most this many entries', default: 100, min: 1, max: 1000}),
  }

  static override readonly dataSchema = 'AuditReply'

  async run(): Promise<AuditReply> {
    const {flags} = await this.parse(Audit)
    const {client} = await this.connect(flags)
    const reply = await client.audit({user: flags.user, after: flags.after, limit: flags.limit})
    if (reply.entries.length === 0) {
      this.narrate(flags.after === undefined ? 'Nothing in the audit log yet.' : `Nothing after entry ${flags.after}.`)
      return reply
    }
    this.out(await renderTable(AUDIT_COLUMNS, reply.entries, {ctx: {now: this.now}}))
    if (reply.count === flags.limit && reply.next_after !== null) this.narrate(`There may be more: gpu-shopper audit --after ${reply.next_after}`)
    return reply
  }
}
