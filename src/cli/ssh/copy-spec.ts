import {flagError} from '../errors.js'

export type CopyEnd = {kind: 'local'; path: string} | {kind: 'remote'; sessionId: string; path: string}

export interface CopyPlan {
  direction: 'upload' | 'download'
  local: string
  sessionId: string
  /** As given; empty means the remote user's home directory. */
  remote: string
}

/**
 * `<session-id>:<path>` is remote, like scp. A path that starts with `/`, `.` or `~`, or has a
 * `/` before its first colon, is local, so `./a:b` stays a local file.
 */
export function parseCopyEnd(arg: string): CopyEnd {
  const match = /^([A-Za-z0-9][\w.-]*):(.*)$/s.exec(arg)
  if (!match || /^[/.~]/.test(arg)) return {kind: 'local', path: arg}
  return {kind: 'remote', sessionId: match[1]!, path: match[2]!}
}

export function copyPlan(src: string, dst: string): CopyPlan {
  const from = parseCopyEnd(src)
  const to = parseCopyEnd(dst)
  if (from.kind === 'remote' && to.kind === 'remote') {
    throw flagError('SRC', 'and DST are both on sessions; one side must be a local path', 'Copy through this machine in two steps.')
  }
  if (from.kind === 'local' && to.kind === 'local') {
    throw flagError('DST', 'must name a session as <session-id>:<path> (or SRC must)', 'e.g. gpu-shopper copy ./data.bin sess-abc123:/workspace/data.bin')
  }
  if (from.kind === 'local' && to.kind === 'remote') return {direction: 'upload', local: from.path, sessionId: to.sessionId, remote: to.path}
  if (from.kind === 'remote' && to.kind === 'local') return {direction: 'download', local: to.path, sessionId: from.sessionId, remote: from.path}
  throw new Error('unreachable')
}
