import {render} from 'ink'

import type {ApiClient} from '../src/client/api-client.js'
import type {ServerTunnelCommand} from '../src/cli/ssh/session-jump.js'
import {runSystemSsh} from '../src/cli/ssh/system-ssh.js'
import type {AppPaths} from '../src/config/paths.js'
import {Dashboard} from './dashboard.js'
import {errorText} from './model/error-text.js'
import {holdHeapNearLiveSize, MAX_FPS} from './process-settings.js'
import {createTuiServices} from './services.js'

export interface RunTuiOptions {
  client: ApiClient
  paths: AppPaths
  /** For a team server: how ssh reaches a guest behind a node (through the server). */
  sshViaServer?: ServerTunnelCommand | null
  stdin?: NodeJS.ReadStream
  stdout?: NodeJS.WriteStream
  stderr?: NodeJS.WriteStream
  now?: () => number
  /** Reload the market this often (the daemon refreshes Vast.ai every minute). */
  marketRefreshMs?: number
}

const ENTER_ALT_SCREEN = '\u001B[?1049h'
const LEAVE_ALT_SCREEN = '\u001B[?1049l'
const SHOW_CURSOR = '\u001B[?25h'

/** OSC 52: the terminal (and tmux with set-clipboard) puts the text on the system clipboard. */
function osc52(text: string): string {
  const sequence = `\u001B]52;c;${Buffer.from(text).toString('base64')}\u0007`
  return process.env.TMUX ? `\u001BPtmux;${sequence.replaceAll('\u001B', '\u001B\u001B')}\u001B\\` : sequence
}

/**
 * Runs the dashboard until the user quits. The terminal is always given back as it was (main
 * screen, cursor shown, raw mode off), whether the user quits, ssh runs in between, or
 * something throws. Connecting to a session leaves the dashboard, runs the system ssh on the
 * real terminal, and comes back to the same screen, filter and selection.
 */
export async function runTui(options: RunTuiOptions): Promise<void> {
  const stdout = options.stdout ?? process.stdout
  const stdin = options.stdin ?? process.stdin
  const stderr = options.stderr ?? process.stderr
  const now = options.now ?? Date.now
  holdHeapNearLiveSize()
  let pendingSsh: readonly string[] | null = null
  let unmount: (() => void) | undefined
  const services = createTuiServices({
    client: options.client,
    paths: options.paths,
    sshViaServer: options.sshViaServer ?? null,
    now,
    runSsh: (argv) => {
      pendingSsh = argv
      unmount?.()
    },
    copyToClipboard: (text) => {
      stdout.write(osc52(text))
    },
  })
  const {offers} = services

  const restore = () => stdout.write(LEAVE_ALT_SCREEN + SHOW_CURSOR)
  // However the dashboard ends (a signal, a bug), the terminal is given back first.
  const quit = () => {
    pendingSsh = null
    unmount?.()
  }
  let crash: unknown
  const onCrash = (err: unknown) => {
    crash = err
    quit()
  }
  process.once('exit', restore)
  process.on('SIGTERM', quit)
  process.on('SIGHUP', quit)
  process.on('uncaughtException', onCrash)
  void offers.load()
  offers.autoRefresh(options.marketRefreshMs ?? 60_000)
  try {
    for (;;) {
      stdout.write(ENTER_ALT_SCREEN)
      const instance = render(
        <Dashboard services={services} />,
        {stdout, stdin, stderr, exitOnCtrlC: false, patchConsole: true, maxFps: MAX_FPS},
      )
      unmount = () => instance.unmount()
      await instance.waitUntilExit()
      unmount = undefined
      restore()
      if (!pendingSsh) break
      const argv = pendingSsh
      pendingSsh = null
      // Ink leaves stdin flowing; paused, every keystroke reaches ssh instead of this process.
      stdin.pause()
      stderr.write('Connecting with ssh; the dashboard comes back when the shell exits.\n')
      try {
        const code = await runSystemSsh(argv)
        services.notice = code === 0 ? {text: 'Back from ssh.', tone: 'info'} : {text: `ssh exited with ${code}.`, tone: 'error'}
      } catch (err) {
        services.notice = {text: errorText(err), tone: 'error'}
      }
    }
  } finally {
    offers.close()
    restore()
    process.off('exit', restore)
    process.off('SIGTERM', quit)
    process.off('SIGHUP', quit)
    process.off('uncaughtException', onCrash)
  }
  if (crash !== undefined) throw crash
}
