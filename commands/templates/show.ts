import {Args} from '@oclif/core'

import {BaseCommand, apiFlags} from '../../src/cli/base-command.js'
import {withFix} from '../../src/cli/failure.js'
import {templateDetails} from '../../src/cli/output/columns/templates.js'
import {renderDetails} from '../../src/cli/output/output.js'
import type {TemplateReply} from '../../src/core/api/templates.js'

export default class TemplatesShow extends BaseCommand {
  static override summary = 'Show one template: its image, start command, ports, variables (names only), and the CUDA and disk it needs'
  static override description = 'Any template by id, whether `templates list` lists it or not: a Vast.ai template as vastai-<hash_id>, a TensorDock OS image as tensordock-<image>.'

  static override examples = [
    '<%= config.bin %> templates show vastai-a8a44c7363cbca20056020397e3bf072',
    '<%= config.bin %> templates show tensordock-ubuntu2204 --json',
  ]

  static override args = {
    id: Args.string({description: 'Template id, e.g. vastai-a8a44c7363cbca20056020397e3bf072 (from `templates list`)', required: true}),
  }

  static override flags = {...apiFlags}

  static override readonly dataSchema = 'TemplateReply'

  async run(): Promise<TemplateReply> {
    const {args, flags} = await this.parse(TemplatesShow)
    const {client} = await this.connect(flags)
    let template: TemplateReply
    try {
      template = await client.templates.get(args.id.trim())
    } catch (err) {
      throw withFix(err, {not_found: '`gpu-shopper templates list` lists the templates there are; a Vast.ai template is vastai-<its 32-character hash_id>.'})
    }
    this.markSimulated(template.simulated)
    this.out(renderDetails(templateDetails(template)))
    this.narrate(`Offers that can run it: gpu-shopper inventory --template ${template.id}; rent one with: gpu-shopper provision --offer-id <ID> --template ${template.id}`)
    return template
  }
}
