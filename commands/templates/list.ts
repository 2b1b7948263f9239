import {Flags} from '@oclif/core'

import {BaseCommand, apiFlags} from '../../src/cli/base-command.js'
import {checkNotBlank} from '../../src/cli/flags/validate.js'
import {TEMPLATE_COLUMNS} from '../../src/cli/output/columns/templates.js'
import {plural} from '../../src/cli/output/format.js'
import {renderTable} from '../../src/cli/output/output.js'
import type {TemplatesReply} from '../../src/core/api/templates.js'
import {PROVIDER_NAMES} from '../../src/core/provider-name.js'

export default class TemplatesList extends BaseCommand {
  static override summary = 'List ready-made machine setups: Vast.ai templates and TensorDock OS images'
  static override description =
    "Vast.ai's recommended templates (an image with its environment, start command, and the CUDA and disk it needs) and TensorDock's OS images. " +
    'Rent one with `provision --offer-id ID --template TEMPLATE`; `inventory --template TEMPLATE` lists the offers that can run it. ' +
    '`templates show` finds any template by id, listed or not. Variables are shown by name only. Piped output is tab-separated with no header.'

  static override examples = [
    '<%= config.bin %> templates list',
    '<%= config.bin %> templates list --provider vastai --name vllm',
    '<%= config.bin %> templates list --json',
  ]

  static override flags = {
    ...apiFlags,
    provider: Flags.string({description: 'Only this marketplace', options: [...PROVIDER_NAMES]}),
    name: Flags.string({description: 'Only templates whose name contains this (any case)'}),
  }

  static override readonly dataSchema = 'TemplatesReply'

  async run(): Promise<TemplatesReply> {
    const {flags} = await this.parse(TemplatesList)
    checkNotBlank('name', flags.name)
    const {client} = await this.connect(flags)
    const reply = await client.templates.list({provider: flags.provider, name: flags.name})
    this.markSimulated(reply.simulated)
    for (const source of reply.providers.filter((s) => !s.ok)) {
      this.warnUser(`${source.provider} did not answer (${source.error ?? 'no reason given'}); its templates are missing from this list.`)
    }
    if (reply.templates.length === 0) {
      this.narrate(
        reply.providers.length === 0
          ? 'No configured marketplace has templates (Vast.ai and TensorDock do; see `gpu-shopper daemon status`).'
          : 'No templates match. Drop --name or --provider.',
      )
    } else {
      this.out(await renderTable(TEMPLATE_COLUMNS, reply.templates, {ctx: {now: this.now}}))
      this.narrate(`${plural(reply.count, 'template')}. See one with: gpu-shopper templates show <ID>; offers that can run it: gpu-shopper inventory --template <ID>`)
    }
    return reply
  }
}
