import {BaseCommand, apiFlags} from '../src/cli/base-command.js'
import {UserError} from '../src/cli/errors.js'
import {EXIT} from '../src/cli/exit-codes.js'
import {serverTunnelFor} from '../src/cli/ssh/session-jump.js'
import {appPaths} from '../src/config/paths.js'

export default class Tui extends BaseCommand {
  static override summary = 'The interactive dashboard: browse offers, rent, connect, release and watch costs'
  static override description =
    'A full-screen terminal UI over the same daemon or server as every other command: the inventory (filter as you type, ' +
    'sort by any column, provision the selected offer), live sessions (connect, extend, release, force shutdown, copy the ssh command) ' +
    'and this month\'s costs and budgets. `?` lists every key, `:` jumps between screens, q quits. ' +
    'Also opened by `gpu-shopper` with no arguments on a terminal.'

  static override examples = ['<%= config.bin %> tui', '<%= config.bin %> tui --server https://gpu.example.com']
  static override flags = {...apiFlags}

  static override readonly dataSchema = 'NoData'

  async run(): Promise<void> {
    const {flags} = await this.parse(Tui)
    if (this.jsonEnabled()) {
      throw new UserError('The dashboard is interactive and has no JSON output.', {
        errorType: 'usage_error',
        exitCode: EXIT.USAGE,
        fix: 'For scripts, use `gpu-shopper inventory --json`, `gpu-shopper sessions --json` or `gpu-shopper costs summary --json`.',
      })
    }
    if (!process.stdin.isTTY || !process.stdout.isTTY) {
      throw new UserError('The dashboard needs a terminal: stdin and stdout must both be a TTY.', {
        errorType: 'usage_error',
        exitCode: EXIT.USAGE,
        fix: 'Run `gpu-shopper tui` in a terminal; in scripts use the other commands with --json (e.g. `gpu-shopper inventory --json`).',
      })
    }
    const connection = await this.connect(flags)
    const {runTui} = await loadDashboard()
    await runTui({client: connection.client, paths: appPaths(), sshViaServer: serverTunnelFor(connection)})
  }
}

/**
 * Ink and React load here and nowhere else (~0.5 s). Both decide at import time: Ink whether it
 * runs in CI (any CI variable set), and then draws only the last frame; React whether to load its
 * development build, which renders several times slower. A person who asked for the dashboard
 * on a terminal gets every frame from the production build; the environment is put back after.
 */
async function loadDashboard(): Promise<typeof import('../tui/run-tui.js')> {
  const overrides: Record<string, string> = {}
  for (const name of ['CI', 'CONTINUOUS_INTEGRATION']) if (process.env[name] !== undefined) overrides[name] = 'false'
  if (process.env.NODE_ENV === undefined) overrides.NODE_ENV = 'production'
  const saved = Object.fromEntries(Object.keys(overrides).map((name) => [name, process.env[name]]))
  Object.assign(process.env, overrides)
  try {
    return await import('../tui/run-tui.js')
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name]
      else process.env[name] = value
    }
  }
}
