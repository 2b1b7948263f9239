import type {GpuBox} from './gpu-box.js'
import {runNvidiaSmi, type CommandResult, type GpuLoad} from './nvidia-smi.js'

export interface ShellContext {
  hostname: string
  /** Read on every command so switching the load takes effect at once. */
  gpuLoad(): GpuLoad
  /** The GPUs nvidia-smi reports (the machine's own, or what it was told to claim), read on every command. */
  gpus(): GpuBox
  /** Epoch ms from the simulator's clock, for the dates nvidia-smi prints. */
  now(): number
  /** Who is logged in; `root` when absent (Vast containers only have root). */
  user?: string
}

/** Home directory of the logged-in user, as `pwd` and the prompt show it. */
export function homeOf(user: string): string {
  return user === 'root' ? '/root' : `/home/${user}`
}

/** `id` output: root, or an Ubuntu cloud image's default user (uid 1000, in sudo). */
function idLine(user: string): string {
  if (user === 'root') return 'uid=0(root) gid=0(root) groups=0(root)\n'
  return `uid=1000(${user}) gid=1000(${user}) groups=1000(${user}),4(adm),27(sudo)\n`
}

type Token = {word: string} | {op: '&&' | '||' | ';' | '|'}

const OS_RELEASE = `PRETTY_NAME="Ubuntu 22.04.5 LTS"
NAME="Ubuntu"
VERSION_ID="22.04"
VERSION="22.04.5 LTS (Jammy Jellyfish)"
VERSION_CODENAME=jammy
ID=ubuntu
ID_LIKE=debian
HOME_URL="https://www.ubuntu.com/"
SUPPORT_URL="https://help.ubuntu.com/"
BUG_REPORT_URL="https://bugs.launchpad.net/ubuntu/"
PRIVACY_POLICY_URL="https://www.ubuntu.com/legal/terms-and-policies/privacy-policy"
UBUNTU_CODENAME=jammy
`

const KERNEL = '5.15.0-124-generic'

/**
 * A tiny stand-in for bash inside a simulated container: enough for health checks, GPU probes
 * and a human poking around the browser terminal. Supports quoting and `&&`, `||`, `;`; no
 * pipes, redirections or variables.
 */
export function runShellCommand(line: string, ctx: ShellContext): CommandResult {
  const tokens = tokenize(line)
  if (typeof tokens === 'string') return {stdout: '', stderr: `bash: ${tokens}\n`, code: 2}
  let stdout = ''
  let stderr = ''
  let code = 0
  let words: string[] = []
  let skip = false
  const flush = (): boolean => {
    if (words.length > 0 && !skip) {
      const result = runSimple(words, ctx)
      stdout += result.stdout
      stderr += result.stderr
      code = result.code
    }
    words = []
    return true
  }
  for (const token of tokens) {
    if ('word' in token) {
      words.push(token.word)
      continue
    }
    if (token.op === '|') return {stdout, stderr: stderr + 'bash: pipes are not supported by this simulated host\n', code: 2}
    flush()
    skip = token.op === '&&' ? code !== 0 : token.op === '||' ? code === 0 : false
  }
  flush()
  return {stdout, stderr, code}
}

function runSimple(words: string[], ctx: ShellContext): CommandResult {
  const [command = '', ...args] = words
  switch (command) {
    case 'true':
    case ':':
      return ok('')
    case 'false':
      return {stdout: '', stderr: '', code: 1}
    case 'echo': {
      const noNewline = args[0] === '-n'
      const text = (noNewline ? args.slice(1) : args).join(' ')
      return ok(noNewline ? text : text + '\n')
    }
    case 'hostname':
      return ok(ctx.hostname + '\n')
    case 'whoami':
      return ok((ctx.user ?? 'root') + '\n')
    case 'pwd':
      return ok(homeOf(ctx.user ?? 'root') + '\n')
    case 'id':
      return ok(idLine(ctx.user ?? 'root'))
    case 'uname':
      return ok(uname(args, ctx.hostname))
    case 'cat':
      return cat(args)
    case 'nvidia-smi':
      return runNvidiaSmi(args, {box: ctx.gpus(), load: ctx.gpuLoad(), now: ctx.now()})
    case 'sleep':
      // Returns at once: nothing in the simulator should make a test wait on wall time.
      return ok('')
    case 'exit':
      return {stdout: '', stderr: '', code: Number.parseInt(args[0] ?? '0', 10) || 0}
    case 'sudo': {
      // Passwordless, as for TensorDock's `user`: run the rest as root.
      const rest = args.filter((a, i) => !(a.startsWith('-') && args.slice(0, i).every((b) => b.startsWith('-'))))
      if (rest.length === 0) return {stdout: '', stderr: 'usage: sudo command\n', code: 1}
      return runSimple(rest, {...ctx, user: 'root'})
    }
    case 'bash':
    case 'sh':
      if (args[0] === '-c' && args[1] !== undefined) return runShellCommand(args[1], ctx)
      return {stdout: '', stderr: `${command}: only -c is supported by this simulated host\n`, code: 2}
    default:
      return {stdout: '', stderr: `bash: ${command}: command not found\n`, code: 127}
  }
}

function uname(args: string[], hostname: string): string {
  if (args.includes('-a')) return `Linux ${hostname} ${KERNEL} #134-Ubuntu SMP Fri Sep 27 20:20:17 UTC 2024 x86_64 x86_64 x86_64 GNU/Linux\n`
  if (args.includes('-r')) return KERNEL + '\n'
  if (args.includes('-m')) return 'x86_64\n'
  if (args.includes('-n')) return hostname + '\n'
  return 'Linux\n'
}

function cat(args: string[]): CommandResult {
  let stdout = ''
  let stderr = ''
  let code = 0
  for (const path of args) {
    if (path === '/etc/os-release' || path === '/usr/lib/os-release') stdout += OS_RELEASE
    else {
      stderr += `cat: ${path}: No such file or directory\n`
      code = 1
    }
  }
  return {stdout, stderr, code}
}

function ok(stdout: string): CommandResult {
  return {stdout, stderr: '', code: 0}
}

/** Splits a command line into words and operators; returns an error text on unbalanced quotes. */
function tokenize(line: string): Token[] | string {
  const tokens: Token[] = []
  let current = ''
  let inWord = false
  let i = 0
  const endWord = () => {
    if (inWord) tokens.push({word: current})
    current = ''
    inWord = false
  }
  while (i < line.length) {
    const ch = line[i] as string
    if (ch === "'") {
      const end = line.indexOf("'", i + 1)
      if (end < 0) return 'unexpected EOF while looking for matching `\'\''
      current += line.slice(i + 1, end)
      inWord = true
      i = end + 1
    } else if (ch === '"') {
      let j = i + 1
      while (j < line.length && line[j] !== '"') {
        if (line[j] === '\\' && j + 1 < line.length && '"\\$`'.includes(line[j + 1] as string)) j++
        current += line[j]
        j++
      }
      if (j >= line.length) return 'unexpected EOF while looking for matching `"\''
      inWord = true
      i = j + 1
    } else if (ch === '\\' && i + 1 < line.length) {
      current += line[i + 1]
      inWord = true
      i += 2
    } else if (ch === ' ' || ch === '\t' || ch === '\n') {
      endWord()
      i++
    } else if (line.startsWith('&&', i) || line.startsWith('||', i)) {
      endWord()
      tokens.push({op: line.slice(i, i + 2) as '&&' | '||'})
      i += 2
    } else if (ch === ';' || ch === '|') {
      endWord()
      tokens.push({op: ch})
      i++
    } else {
      current += ch
      inWord = true
      i++
    }
  }
  endWord()
  return tokens
}
