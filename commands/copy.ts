import {Args, Flags} from '@oclif/core'

import {BaseCommand, apiFlags} from '../src/cli/base-command.js'
import {copyPlan} from '../src/cli/ssh/copy-spec.js'
import {checkReadableFile, checkWritableDestination} from '../src/cli/flags/local-path.js'
import {type CopyOutcome, progressLine, sftpCopy} from '../src/cli/ssh/sftp-copy.js'
import {serverTunnelFor} from '../src/cli/ssh/session-jump.js'
import {fetchSession, resolveSshTarget} from '../src/cli/ssh/ssh-target.js'
import {plural} from '../src/cli/output/format.js'
import {appPaths} from '../src/config/paths.js'

export default class Copy extends BaseCommand {
  static override summary = 'Copy a file to or from a running session over SFTP'
  static override description =
    'One side is `<session-id>:<path>` (a relative path is under the remote home directory), the other a local path, as with scp. ' +
    'The host key is pinned to the one the daemon verified. Progress goes to stderr on a terminal.'

  static override examples = [
    '<%= config.bin %> copy ./train.py sess-abc123:/workspace/train.py',
    '<%= config.bin %> copy sess-abc123:results.tar.gz .',
  ]

  static override args = {
    src: Args.string({description: 'Source: a local path or <session-id>:<path>', required: true}),
    dst: Args.string({description: 'Destination: <session-id>:<path> or a local path', required: true}),
  }

  static override flags = {
    ...apiFlags,
    identity: Flags.string({char: 'i', description: 'Private key to use instead of the session\'s own (that of a key registered with `ssh-keys add`)'}),
  }

  static override readonly dataSchema = 'CopyOutcome'

  async run(): Promise<CopyOutcome> {
    const {args, flags} = await this.parse(Copy)
    const plan = copyPlan(args.src, args.dst)
    if (plan.direction === 'upload') await checkReadableFile('SRC', plan.local, 'nothing was copied')
    else await checkWritableDestination('DST', plan.local, 'nothing was copied', {intoDirectory: true})
    const connection = await this.connect(flags)
    const {client} = connection
    const session = await fetchSession(client, plan.sessionId)
    this.markSimulated(session.simulated)
    const target = await resolveSshTarget(session, appPaths(), {identity: flags.identity, viaServer: serverTunnelFor(connection), lookup: (previous) => client.sessions.get(previous)})
    const showProgress = process.stderr.isTTY === true && !this.jsonEnabled()
    const outcome = await sftpCopy(plan, target, showProgress ? (done, total) => process.stderr.write(`\r${progressLine(done, total)}`) : undefined)
    if (showProgress) process.stderr.write('\n')
    const where = outcome.direction === 'upload' ? `${outcome.local} → ${session.id}:${outcome.remote}` : `${session.id}:${outcome.remote} → ${outcome.local}`
    this.out(`Copied ${plural(outcome.bytes, 'byte')}: ${where}`)
    return outcome
  }
}
