import {echoText, printfText} from '../shared/echo-printf.js'
import {homeOf} from '../shared/fake-shell.js'
import {isRecord} from '../shared/http-util.js'
import {tokenizeShellLine, type ShellToken, type ShellWord} from '../shared/shell-tokenizer.js'

/**
 * Which SSH keys a VM's cloud-init leaves in `authorized_keys`, per user.
 *
 * Live, TensorDock ignored the required `ssh_key` attribute, and cloud-init's
 * `ssh_authorized_keys` and `write_files` were unreliable; what worked was `runcmd` commands that
 * append the key to `authorized_keys` for `root` and the default user `user` (providers.md §2.11
 * item 5, BUG-002). So only `runcmd` is honoured, and it is run by a tiny interpreter over a
 * virtual file system: echo/printf/cat/tee with `>`/`>>`, pipes, heredocs, cp, and the
 * `sudo`/`su`/`runuser`/`bash -c` wrappers, so any of the usual ways of writing that command
 * works and a command that would not work on a real VM does not work here either.
 */
export interface CloudInitKeys {
  root: string[]
  user: string[]
}

/** The default user of TensorDock's Ubuntu images. */
export const DEFAULT_VM_USER = 'user'

export function keysFromCloudInit(cloudInit: unknown): CloudInitKeys {
  const fs = new Map<string, string>()
  const runcmd = isRecord(cloudInit) ? cloudInit.runcmd : undefined
  if (Array.isArray(runcmd)) {
    for (const entry of runcmd) {
      // cloud-init runs a string through sh, and a list as argv without a shell, both as root.
      if (typeof entry === 'string') runLine(entry, 'root', fs, 0)
      else if (Array.isArray(entry) && entry.every((w) => typeof w === 'string' || typeof w === 'number')) {
        runWords(entry.map(String), 'root', fs, '', 0)
      }
    }
  }
  return {root: keyLines(fs, 'root'), user: keyLines(fs, DEFAULT_VM_USER)}
}

function keyLines(fs: Map<string, string>, user: string): string[] {
  const home = homeOf(user)
  const text = [fs.get(`${home}/.ssh/authorized_keys`), fs.get(`${home}/.ssh/authorized_keys2`)].filter((t) => t !== undefined).join('\n')
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
}

interface Result {
  stdout: string
  code: number
}

/** Deep enough for `sudo su - user -c "bash -c '...'"`; a loop of wrappers ends here. */
const MAX_DEPTH = 8

function runLine(line: string, user: string, fs: Map<string, string>, depth: number): Result {
  if (depth > MAX_DEPTH) return {stdout: '', code: 1}
  const tokens = tokenizeShellLine(line)
  if (typeof tokens === 'string') return {stdout: '', code: 2}
  let code = 0
  let stdout = ''
  let skip = false
  let pipeline: ShellToken[][] = [[]]
  const runPipeline = () => {
    if (!skip && pipeline.some((c) => c.length > 0)) {
      let input = ''
      for (const command of pipeline) {
        const result = runCommand(command, user, fs, input, depth)
        input = result.stdout
        code = result.code
      }
      stdout += input
    }
    pipeline = [[]]
  }
  for (const token of tokens) {
    // A command sent to the background with `&` still runs, before the VM is ever reached: as `;`.
    if ('op' in token && (token.op === '&&' || token.op === '||' || token.op === ';' || token.op === '&')) {
      runPipeline()
      skip = token.op === '&&' ? code !== 0 : token.op === '||' ? code === 0 : false
    } else if ('op' in token && token.op === '|') {
      pipeline.push([])
    } else {
      pipeline[pipeline.length - 1]?.push(token)
    }
  }
  runPipeline()
  return {stdout, code}
}

/**
 * One simple command with its redirections: the words run, output goes to stdout or a file.
 * `2>` and `2>&1` change nothing here: stderr never reaches authorized_keys.
 */
function runCommand(tokens: ShellToken[], user: string, fs: Map<string, string>, stdin: string, depth: number): Result {
  const words: string[] = []
  const outputs: {path: string; append: boolean}[] = []
  let input = stdin
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] as ShellToken
    if ('word' in token) words.push(expandWord(token.word, user))
    else if ('heredoc' in token) input = token.heredoc.literal ? token.heredoc.body : expandVariables(token.heredoc.body, user)
    else if (token.op !== '2>&1') {
      const next = tokens[i + 1]
      if (!next || !('word' in next)) return {stdout: '', code: 2}
      i++
      const path = normalise(expandWord(next.word, user))
      if (token.op === '<') input = fs.get(path) ?? ''
      else if (token.op === '>' || token.op === '>>' || token.op === '&>') outputs.push({path, append: token.op === '>>'})
    }
  }
  const result = runWords(words, user, fs, input, depth)
  if (outputs.length === 0) return result
  for (const out of outputs) {
    if (out.path === '/dev/null') continue
    fs.set(out.path, out.append ? appendText(fs.get(out.path), result.stdout) : result.stdout)
  }
  return {stdout: '', code: result.code}
}

/** Appends like `>>` would; a file not ending in a newline gets its last line joined, as in a real shell. */
function appendText(existing: string | undefined, text: string): string {
  return (existing ?? '') + text
}

function runWords(words: string[], user: string, fs: Map<string, string>, stdin: string, depth: number): Result {
  const [command = '', ...args] = words
  const ok = (stdout = ''): Result => ({stdout, code: 0})
  switch (command) {
    case '':
      return ok()
    case 'echo':
      return ok(echoText(args))
    case 'printf':
      return ok(printfText(args))
    case 'cat':
      return args.length === 0 ? ok(stdin) : ok(args.map((p) => fs.get(normalise(p)) ?? '').join(''))
    case 'tee': {
      const append = args.some((a) => a === '-a' || a === '--append')
      for (const path of args.filter((a) => !a.startsWith('-')).map(normalise)) fs.set(path, append ? appendText(fs.get(path), stdin) : stdin)
      return ok(stdin)
    }
    case 'cp':
    case 'install':
      return copy(args, fs)
    case 'touch':
      for (const path of args.filter((a) => !a.startsWith('-')).map(normalise)) if (!fs.has(path)) fs.set(path, '')
      return ok()
    case 'rm':
      for (const path of args.filter((a) => !a.startsWith('-')).map(normalise)) fs.delete(path)
      return ok()
    case 'false':
      return {stdout: '', code: 1}
    case 'sudo':
      return sudo(args, fs, stdin, depth)
    case 'su':
      return su(args, fs, depth)
    case 'runuser':
      return runuser(args, fs, stdin, depth)
    case 'bash':
    case 'sh':
    case '/bin/bash':
    case '/bin/sh': {
      const c = args.findIndex((a) => /^-[a-z]*c$/.test(a))
      if (c >= 0 && args[c + 1] !== undefined) return runLine(args[c + 1] as string, user, fs, depth + 1)
      return ok()
    }
    default:
      // mkdir, chmod, chown, systemctl, apt-get...: nothing they do changes who may log in.
      return ok()
  }
}

/** `cp SRC DST`, `cp -r DIR DEST/`, `install -m 600 SRC DST`. */
function copy(args: string[], fs: Map<string, string>): Result {
  const paths: string[] = []
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string
    if (/^-[mog]$/.test(arg)) i++
    else if (!arg.startsWith('-')) paths.push(arg)
  }
  if (paths.length < 2) return {stdout: '', code: 1}
  const dest = paths[paths.length - 1] as string
  const destPath = normalise(dest)
  for (const source of paths.slice(0, -1).map(normalise)) {
    const name = source.slice(source.lastIndexOf('/') + 1)
    const intoDir = dest.endsWith('/') || isDirectory(fs, destPath)
    const target = intoDir ? `${destPath}/${name}` : destPath
    const file = fs.get(source)
    if (file !== undefined) {
      fs.set(target, file)
      continue
    }
    // A directory: copy every file under it.
    const prefix = source + '/'
    for (const [path, text] of [...fs]) if (path.startsWith(prefix)) fs.set(target + '/' + path.slice(prefix.length), text)
  }
  return {stdout: '', code: 0}
}

/** `.ssh` directories exist on the images (mkdir -p is a no-op here), so a cp into one lands inside it. */
function isDirectory(fs: Map<string, string>, path: string): boolean {
  if (/\/\.ssh$/.test(path) || path === '/root' || /^\/home\/[^/]+$/.test(path)) return true
  const prefix = path + '/'
  return [...fs.keys()].some((p) => p.startsWith(prefix))
}

function sudo(args: string[], fs: Map<string, string>, stdin: string, depth: number): Result {
  let target = 'root'
  let i = 0
  while (i < args.length && (args[i] as string).startsWith('-')) {
    const flag = args[i] as string
    if (flag === '-u' || flag === '--user') {
      target = args[i + 1] ?? 'root'
      i += 2
    } else if (flag.startsWith('-u') && flag.length > 2) {
      target = flag.slice(2)
      i++
    } else if (flag === '--') {
      i++
      break
    } else i++
  }
  return runNested(args.slice(i), target, fs, stdin, depth)
}

/** `su - user -c "cmd"`, `su user -c "cmd"`, `su -c "cmd" user`, `su -l user -c "cmd"`. */
function su(args: string[], fs: Map<string, string>, depth: number): Result {
  let target = 'root'
  let command: string | undefined
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string
    if (arg === '-c' || arg === '--command') command = args[++i]
    else if (arg === '-' || arg === '-l' || arg === '--login' || arg.startsWith('-')) continue
    else target = arg
  }
  if (command === undefined) return {stdout: '', code: 0}
  return runLine(command, target, fs, depth + 1)
}

/** `runuser -l user -c "cmd"`, `runuser -u user -- cmd args`. */
function runuser(args: string[], fs: Map<string, string>, stdin: string, depth: number): Result {
  let target = 'root'
  let command: string | undefined
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string
    if (arg === '-u' || arg === '--user') target = args[++i] ?? 'root'
    else if (arg === '-c' || arg === '--command') command = args[++i]
    else if (arg === '--') return runNested(args.slice(i + 1), target, fs, stdin, depth)
    else if (!arg.startsWith('-')) target = arg
  }
  if (command === undefined) return {stdout: '', code: 0}
  return runLine(command, target, fs, depth + 1)
}

/**
 * argv after a wrapper was already expanded as the outer user; only `bash -c` strings are
 * re-read, as the inner user, so `sudo -u user bash -c 'echo k >> ~/.ssh/...'` writes to user's home.
 */
function runNested(words: string[], user: string, fs: Map<string, string>, stdin: string, depth: number): Result {
  if (depth > MAX_DEPTH) return {stdout: '', code: 1}
  return runWords(words, user, fs, stdin, depth + 1)
}

function normalise(path: string): string {
  const parts: string[] = []
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue
    if (part === '..') parts.pop()
    else parts.push(part)
  }
  return '/' + parts.join('/')
}

/**
 * A word as `user` reads it at boot: `~`, `~name`, `$HOME` and `$USER` expand in what is not
 * single-quoted; any other `$VAR` stays as written (nothing else is set for runcmd).
 */
function expandWord(word: ShellWord, user: string): string {
  return word
    .map((part, i) => {
      if (part.quote === 'single') return part.text
      const text = i === 0 && part.quote === 'none' ? expandTilde(part.text, user, word.length === 1) : part.text
      return expandVariables(text, user)
    })
    .join('')
}

/** A leading `~` or `~name` up to the first `/`; as in bash, not when a quote follows it (`~"/x"`). */
function expandTilde(text: string, user: string, wholeWord: boolean): string {
  const match = /^~([a-z_][a-z0-9_-]*)?(?=\/|$)/.exec(text)
  if (!match || (match[0].length === text.length && !wholeWord)) return text
  return homeOf(match[1] ?? user) + text.slice(match[0].length)
}

function expandVariables(text: string, user: string): string {
  return text.replace(/\$(?:\{(HOME|USER)\}|(HOME|USER)(?![A-Za-z0-9_]))/g, (_, braced?: string, bare?: string) =>
    (braced ?? bare) === 'HOME' ? homeOf(user) : user,
  )
}
