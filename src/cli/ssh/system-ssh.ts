import {EXIT} from '../exit-codes.js'
import {UserError} from '../errors.js'

/**
 * Runs the system OpenSSH client with the user's terminal (agent, TTY, escape keys all work)
 * and returns its exit code; never through a shell, so paths and commands are passed verbatim.
 */
export async function runSystemSsh(argv: readonly string[]): Promise<number> {
  // execa is only needed here; keep it off every other command's startup.
  const {execa} = await import('execa')
  const result = await execa('ssh', argv, {stdio: 'inherit', reject: false})
  if (result.failed && result.exitCode === undefined) {
    const code = (result as {code?: string}).code
    if (code === 'ENOENT') {
      throw new UserError('The `ssh` command was not found.', {
        errorType: 'usage_error',
        exitCode: EXIT.USAGE,
        fix: 'Install the OpenSSH client (e.g. `apt-get install openssh-client`), or use `gpu-shopper connect ID --mode terminal` for the browser terminal.',
      })
    }
    throw new Error(`ssh could not be run: ${result.message}`)
  }
  return result.exitCode ?? EXIT.INTERNAL
}
