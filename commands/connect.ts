import {Args, Flags} from '@oclif/core'

import {BaseCommand, apiFlags} from '../src/cli/base-command.js'
import {openInBrowser} from '../src/cli/browser.js'
import {mintTerminalToken, planSshConnect} from '../src/cli/ssh/connect.js'
import {serverTunnelFor} from '../src/cli/ssh/session-jump.js'
import {runSystemSsh} from '../src/cli/ssh/system-ssh.js'
import {appPaths} from '../src/config/paths.js'

export interface ConnectResult {
  session_id: string
  mode: 'ssh' | 'terminal'
  ssh_command?: string
  ssh_argv?: string[]
  page_url?: string
  /** With --forward api: the workload's server on this machine. */
  local_api?: string
  expires_in?: number
  exit_code?: number
}

export default class Connect extends BaseCommand {
  static override summary = 'Open a shell on a running session (system ssh), or its browser terminal'
  static override description =
    'Runs your `ssh` with the session\'s private key and a known_hosts file holding the host key the daemon verified (StrictHostKeyChecking=yes), ' +
    'so nothing is trusted on first use. Anything after `--` runs as a command instead of a shell; the exit code is ssh\'s. ' +
    '--print prints the ssh command instead, ready to paste. --mode terminal mints a short-lived browser-terminal link, prints it and tries to open it.'

  static override aliases = ['ssh', 'allocations:connect']
  // Off so that everything after `--` reaches the remote command untouched.
  static override strict = false
  static override usage = ['<%= command.id %> ID [--print] [--identity PATH] [--forward SPEC]... [-- COMMAND [ARGS...]]', '<%= command.id %> ID --mode terminal']
  static override examples = [
    '<%= config.bin %> connect sess-abc123',
    '<%= config.bin %> connect sess-abc123 -- nvidia-smi',
    '<%= config.bin %> connect sess-abc123 --forward 8888:localhost:8888',
    '<%= config.bin %> connect sess-abc123 --forward api --no-shell',
    '<%= config.bin %> connect sess-abc123 --identity ~/.ssh/id_ed25519',
    '<%= config.bin %> connect sess-abc123 --print',
    '<%= config.bin %> connect sess-abc123 --mode terminal',
  ]

  static override args = {
    id: Args.string({description: 'Session (or allocation) id', required: true}),
  }

  static override flags = {
    ...apiFlags,
    mode: Flags.string({description: 'ssh: your ssh client; terminal: the browser terminal', options: ['ssh', 'terminal'], default: 'ssh'}),
    print: Flags.boolean({description: 'Print the ssh command instead of running it'}),
    identity: Flags.string({char: 'i', description: 'Private key to use instead of the session\'s own (that of a key registered with `ssh-keys add`)'}),
    forward: Flags.string({
      char: 'L',
      description: 'Forward a local port: as ssh -L ([bind:]port:host:hostport), a PORT of the instance on the same local port, or api[:LOCAL] for the port behind the session\'s api_endpoint (repeatable)',
      multiple: true,
    }),
    'no-shell': Flags.boolean({char: 'N', description: 'With --forward: only forward (ssh -N), until Ctrl-C'}),
  }

  static override readonly dataSchema = 'ConnectResult'

  async run(): Promise<ConnectResult> {
    const {args, argv, flags} = await this.parse(Connect)
    // With strict off, argv is the id followed by the remote command (after `--`).
    const command = (argv as string[]).slice(1)
    const connection = await this.connect(flags)
    const {client} = connection

    if (flags.mode === 'terminal') {
      const ticket = await mintTerminalToken(client, args.id)
      this.out(ticket.page_url)
      const opened = await openInBrowser(ticket.page_url)
      this.narrate(opened ? `Opening it in your browser; the link works once, within ${ticket.expires_in} s.` : `Open it in a browser within ${ticket.expires_in} s; it works once.`)
      return {session_id: ticket.session_id, mode: 'terminal', page_url: ticket.page_url, expires_in: ticket.expires_in}
    }

    const plan = await planSshConnect(client, args.id, appPaths(), {identity: flags.identity, forwards: flags.forward, command, noShell: flags['no-shell'], viaServer: serverTunnelFor(connection)})
    this.markSimulated(plan.target.session.simulated)
    const result: ConnectResult = {
      session_id: plan.target.session.id,
      mode: 'ssh',
      ssh_command: plan.printable,
      ssh_argv: ['ssh', ...plan.argv],
      ...(plan.localApi ? {local_api: plan.localApi} : {}),
    }
    if (flags.print || this.jsonEnabled()) {
      this.out(plan.printable)
      return result
    }
    if (plan.localApi) this.narrate(`${plan.target.session.api_endpoint ?? 'The workload'} is on ${plan.localApi} while this runs (through SSH)${flags['no-shell'] ? '; Ctrl-C stops it' : ''}.`)
    const code = await runSystemSsh(plan.argv)
    if (code !== 0) this.exit(code)
    return {...result, exit_code: code}
  }
}
