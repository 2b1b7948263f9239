import type {RemoteCommand} from './libvirt/virsh-commands.js'
import {classifyVirshFailure, virshErrorMessage, type VirshFailure} from './libvirt/virsh-errors.js'
import type {NodeShell} from './node-shell.js'

/** A command on a node exited non-zero: what it was for, what virsh said, and what that means. */
export class NodeCommandError extends Error {
  constructor(
    readonly what: string,
    readonly failure: VirshFailure,
    readonly exitCode: number | null,
    detail: string,
  ) {
    super(`${what} failed on the node: ${detail}`)
    this.name = 'NodeCommandError'
  }
}

/** Runs a built command; resolves with its stdout, rejects with a NodeCommandError naming `what`. */
export async function runOnNode(shell: NodeShell, remote: RemoteCommand, what: string, timeoutMs?: number): Promise<string> {
  const result = await shell.exec(remote.command, {...(remote.stdin === undefined ? {} : {stdin: remote.stdin}), ...(timeoutMs === undefined ? {} : {timeoutMs})})
  if (result.exitCode === 0) return result.stdout
  const detail = virshErrorMessage(result.stderr) || `exit status ${result.exitCode}`
  throw new NodeCommandError(what, classifyVirshFailure(result.stderr), result.exitCode, detail)
}

/** Like runOnNode, but a failure that means "already so" (`alreadyDone`) counts as success: null. */
export async function runOnNodeIdempotent(shell: NodeShell, remote: RemoteCommand, what: string, alreadyDone: readonly VirshFailure[]): Promise<string | null> {
  try {
    return await runOnNode(shell, remote, what)
  } catch (err) {
    if (err instanceof NodeCommandError && alreadyDone.includes(err.failure)) return null
    throw err
  }
}
