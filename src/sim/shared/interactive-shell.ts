import type {ServerChannel} from 'ssh2'

import {newShellSession, runShellLine, type ShellContext} from './fake-shell.js'

/**
 * A minimal line-based shell on an SSH channel: prompt (with the working directory, which
 * `cd` changes for the rest of the session), echo of typed characters (a client with a pty
 * expects the remote side to echo), backspace, Ctrl-C, Ctrl-D, `exit`. Enough for the browser
 * terminal; not a terminal emulator.
 */
export function runInteractiveShell(stream: ServerChannel, ctx: ShellContext, hasPty: boolean): void {
  const user = ctx.user ?? 'root'
  const session = newShellSession(ctx)
  const home = session.env.HOME ?? '/'
  const where = () => (session.cwd === home ? '~' : session.cwd.startsWith(home + '/') ? '~' + session.cwd.slice(home.length) : session.cwd)
  const prompt = () => `${user}@${ctx.hostname}:${where()}${user === 'root' ? '#' : '$'} `
  const newline = hasPty ? '\r\n' : '\n'
  const write = (text: string) => {
    if (!stream.destroyed && stream.writable) stream.write(hasPty ? text.replace(/\r?\n/g, '\r\n') : text)
  }
  let line = ''
  let closed = false
  const finish = (code: number) => {
    if (closed) return
    closed = true
    stream.exit(code)
    stream.end()
  }

  write(prompt())
  stream.on('data', (chunk: Buffer) => {
    for (const ch of chunk.toString('utf8')) {
      if (closed) return
      if (ch === '\r' || ch === '\n') {
        // A pty client sends \r; a pipe sends \n. Treat \r\n as one enter.
        if (ch === '\n' && hasPty) continue
        if (hasPty) write(newline)
        const command = line.trim()
        line = ''
        if (command !== '') {
          const result = runShellLine(command, ctx, session)
          write(result.stdout.toString('utf8'))
          if (result.stderr) {
            if (hasPty) write(result.stderr)
            else stream.stderr.write(result.stderr)
          }
          if (session.exited !== null) {
            finish(session.exited)
            return
          }
        }
        write(prompt())
      } else if (ch === '\u007f' || ch === '\b') {
        if (line.length > 0) {
          line = line.slice(0, -1)
          if (hasPty) write('\b \b')
        }
      } else if (ch === '\u0003') {
        line = ''
        write('^C' + newline + prompt())
      } else if (ch === '\u0004') {
        if (line === '') {
          if (hasPty) write('exit' + newline)
          finish(0)
          return
        }
      } else if (ch >= ' ' || ch === '\t') {
        line += ch
        if (hasPty) write(ch)
      }
    }
  })
  stream.on('end', () => finish(0))
}
