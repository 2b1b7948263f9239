import {posix} from 'node:path'

import type {GpuBox} from './gpu-box.js'
import {echoText, printfText} from './echo-printf.js'
import {FsError, type MemoryFs} from './memory-fs.js'
import {
  bindFailureLog,
  imageProvides,
  launchLog,
  MODEL_SERVER_COMMANDS,
  parseTgiArgs,
  parseVllmArgs,
  readyLog,
  type LaunchOutcome,
  type ModelServerKind,
  type ModelServerLaunch,
} from './model-server-programs.js'
import {runNvidiaSmi, type CommandResult, type GpuLoad} from './nvidia-smi.js'
import {longListing} from './sftp-server.js'
import {tokenizeShellLine, type HereDocument, type ShellToken, type ShellWord} from './shell-tokenizer.js'

/** What `df` and `free` report about the simulated machine. */
export interface MachineHardware {
  /** Size of the root filesystem in GB. */
  diskGb: number
  /** What `df` names as the root filesystem: `overlay` in a Vast container, `/dev/vda1` on a VM. */
  rootDevice: string
  memoryMiB: number
  cpus: number
}

export interface ShellContext {
  hostname: string
  /** Read on every command so switching the load takes effect at once. */
  gpuLoad(): GpuLoad
  /** The GPUs nvidia-smi reports (the machine's own, or what it was told to claim), read on every command. */
  gpus(): GpuBox
  /** Epoch ms from the simulator's clock, for the dates nvidia-smi, ls and date print. */
  now(): number
  /** The machine's one disk, shared by every exec, shell and SFTP session. */
  fs: MemoryFs
  hardware: MachineHardware
  /** Who is logged in; `root` when absent (Vast containers only have root). */
  user?: string
  /** Output goes to a terminal: `ls` puts names on one line, as it does for a person. */
  tty?: boolean
  /** What the machine runs besides the shell's own programs; absent where nothing can be launched. */
  workloads?: WorkloadHost
  /**
   * The kernel's log as `dmesg` prints it; null where an unprivileged container may not read it
   * (what `dmesg` answers on a Vast.ai instance). Absent: an empty log.
   */
  kernelLog?(): readonly string[] | null
}

/** The machine's side of a workload launch: its image, and the servers started on it. */
export interface WorkloadHost {
  /** The image the machine runs: which model-server programs exist on it (model-server-programs.ts). */
  readonly image: string
  /** Starts a model server (or fails to bind its port); once loaded it logs to `logPath`, where its output goes. */
  launchModelServer(launch: ModelServerLaunch, logPath: string | null): LaunchOutcome
  /** Writes what servers have logged by now (they load on the simulator's clock), before a line reads their logs. */
  catchUp(): void
}

/** What one shell keeps between the lines it runs. */
export interface ShellSession {
  cwd: string
  previousCwd: string
  env: Record<string, string>
  lastCode: number
  /** Set by `exit`: nothing more runs. */
  exited: number | null
}

/** Home directory of the logged-in user, as `pwd` and the prompt show it. */
export function homeOf(user: string): string {
  return user === 'root' ? '/root' : `/home/${user}`
}

export function newShellSession(ctx: ShellContext): ShellSession {
  const user = ctx.user ?? 'root'
  const home = homeOf(user)
  return {
    cwd: ctx.fs.isDir(home) ? home : '/',
    previousCwd: home,
    env: {HOME: home, USER: user, LOGNAME: user, SHELL: '/bin/bash', PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8'},
    lastCode: 0,
    exited: null,
  }
}

/** `id` output: root, or an Ubuntu cloud image's default user (uid 1000, in sudo). */
function idLine(user: string): string {
  if (user === 'root') return 'uid=0(root) gid=0(root) groups=0(root)\n'
  return `uid=1000(${user}) gid=1000(${user}) groups=1000(${user}),4(adm),27(sudo)\n`
}

export const OS_RELEASE = `PRETTY_NAME="Ubuntu 22.04.5 LTS"
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
/** What the OS image itself takes on the root filesystem before the user writes anything. */
const IMAGE_BYTES = 4.2 * 1024 ** 3

/**
 * Commands this shell runs on every machine; besides these only the model servers an image ships
 * (`vllm`, `text-generation-launcher`: model-server-programs.ts) exist, and anything else is
 * answered as not available on a simulated instance.
 */
export const SHELL_COMMANDS = [
  'ls', 'cd', 'pwd', 'cat', 'echo', 'printf', 'mkdir', 'rm', 'rmdir', 'touch', 'cp', 'mv', 'head', 'tail', 'wc', 'grep', 'df', 'free',
  'uname', 'whoami', 'hostname', 'id', 'nvidia-smi', 'date', 'env', 'printenv', 'export', 'nproc', 'which', 'true', 'false', ':',
  'sleep', 'exit', 'sudo', 'bash', 'sh', 'nohup', 'dmesg',
] as const

type FileRedirectOp = '>' | '>>' | '<' | '2>' | '2>>' | '&>'
/** A file to read or write (none for `2>&1`), or a here-document for stdin. */
type Redirect = {op: FileRedirectOp; target: ShellWord} | {op: '2>&1'} | {heredoc: HereDocument}

interface SimpleCommand {
  words: ShellWord[]
  redirects: Redirect[]
}

interface Output {
  stdout: Buffer
  stderr: string
  code: number
}

/** What a command inherits from the shell that runs it. */
export interface ShellProcess {
  /** How many shells deep it runs: `sudo bash -c "sh -c '…'"` is 2. */
  depth: number
  /** The file its output ends up in, when that is a file (a redirect of its own or of a shell around it); null for the channel, a pipe or /dev/null. */
  stdoutFile: string | null
}

/** A line typed at the login shell or sent as an SSH exec. */
const LOGIN_PROCESS: ShellProcess = {depth: 0, stdoutFile: null}

/** Deep enough for `sudo bash -c "sh -c '…'"`; a loop of wrappers ends here. */
const MAX_DEPTH = 8

/** Pipelines joined by `&&` and `||`, run in the background when the list ends with `&`. */
interface AndOrList {
  pipelines: {after: '&&' | '||' | null; commands: ShellToken[][]}[]
  background: boolean
}

/**
 * A small stand-in for bash on a simulated machine: quoting, `$VAR`, `VAR=value cmd`, `~`,
 * globs, pipes `|`, redirections `>`, `>>`, `<`, `2>`, `2>&1`, here-documents, and `&&`, `||`,
 * `;`, `&`, over the machine's own disk.
 * It runs the commands people try first (SHELL_COMMANDS), the model servers the machine's image
 * ships, and says plainly that anything else is not available here, with bash's exit code for a
 * missing command.
 */
export function runShellCommand(line: string, ctx: ShellContext, session: ShellSession = newShellSession(ctx)): CommandResult {
  const out = runShellLine(line, ctx, session)
  return {stdout: out.stdout.toString('utf8'), stderr: out.stderr, code: out.code}
}

/** As runShellCommand, with stdout as bytes (`cat` of an uploaded binary must come back intact). */
export function runShellLine(line: string, ctx: ShellContext, session: ShellSession = newShellSession(ctx), proc: ShellProcess = LOGIN_PROCESS): Output {
  const tokens = tokenizeShellLine(line)
  if (typeof tokens === 'string') return {stdout: Buffer.alloc(0), stderr: `bash: ${tokens}\n`, code: 2}
  const lists = andOrLists(tokens)
  if (typeof lists === 'string') return {stdout: Buffer.alloc(0), stderr: `bash: ${lists}\n`, code: 2}
  // Servers load on the simulator's clock: what they have logged by now is in their logs before this line reads them.
  if (proc.depth === 0) ctx.workloads?.catchUp()
  const chunks: Buffer[] = []
  let stderr = ''
  for (const list of lists) {
    if (session.exited !== null) break
    // bash runs a list sent to the background in a subshell (its cd and variables stay there) and goes on at once
    // with status 0. Here it runs to its end first; its output goes where the shell's goes, as a short job's does.
    const runIn = list.background ? {...session, env: {...session.env}, exited: null} : session
    const out = runAndOrList(list, ctx, runIn, proc)
    chunks.push(out.stdout)
    stderr += out.stderr
    if (list.background) session.lastCode = 0
  }
  return {stdout: Buffer.concat(chunks), stderr, code: session.exited ?? session.lastCode}
}

/** Splits a line at `;`, `&` and newlines into and-or lists, each a pipeline at a time; bash's complaint for a stray `&`. */
function andOrLists(tokens: readonly ShellToken[]): AndOrList[] | string {
  const fresh = (): AndOrList => ({pipelines: [{after: null, commands: [[]]}], background: false})
  const lists: AndOrList[] = []
  let current = fresh()
  for (const token of tokens) {
    const pipeline = current.pipelines[current.pipelines.length - 1]!
    if ('op' in token && (token.op === ';' || token.op === '&')) {
      if (token.op === '&') {
        if (current.pipelines.every((p) => p.commands.every((c) => c.length === 0))) return "syntax error near unexpected token `&'"
        current.background = true
      }
      lists.push(current)
      current = fresh()
    } else if ('op' in token && (token.op === '&&' || token.op === '||')) current.pipelines.push({after: token.op, commands: [[]]})
    else if ('op' in token && token.op === '|') pipeline.commands.push([])
    else pipeline.commands[pipeline.commands.length - 1]!.push(token)
  }
  lists.push(current)
  return lists
}

function runAndOrList(list: AndOrList, ctx: ShellContext, session: ShellSession, proc: ShellProcess): Output {
  const chunks: Buffer[] = []
  let stderr = ''
  for (const {after, commands: all} of list.pipelines) {
    if (session.exited !== null) break
    // A skipped pipeline leaves the status as it was, so `false && a || b` runs b.
    if ((after === '&&' && session.lastCode !== 0) || (after === '||' && session.lastCode === 0)) continue
    const commands = all.filter((c) => c.length > 0)
    if (commands.length === 0) continue
    let input: Buffer = Buffer.alloc(0)
    let code = session.lastCode
    for (const [i, tokensOfCommand] of commands.entries()) {
      const last = i === commands.length - 1
      const parsed = parseCommand(tokensOfCommand)
      if (typeof parsed === 'string') {
        stderr += `bash: ${parsed}\n`
        code = 2
        input = Buffer.alloc(0)
        continue
      }
      // Only the last command of a pipeline writes where the shell's output goes; the others write to the pipe.
      const result = runCommand(parsed, ctx, session, input, {depth: proc.depth, stdoutFile: last ? proc.stdoutFile : null})
      stderr += result.stderr
      code = result.code
      input = result.stdout
      if (session.exited !== null) break
      if (last) chunks.push(result.stdout)
    }
    session.lastCode = code
  }
  return {stdout: Buffer.concat(chunks), stderr, code: session.lastCode}
}

function parseCommand(tokens: ShellToken[]): SimpleCommand | string {
  const words: ShellWord[] = []
  const redirects: Redirect[] = []
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] as ShellToken
    if ('word' in token) {
      words.push(token.word)
      continue
    }
    if ('heredoc' in token) {
      redirects.push(token)
      continue
    }
    if (token.op === '2>&1') {
      redirects.push({op: '2>&1'})
      continue
    }
    const next = tokens[i + 1]
    if (!next || !('word' in next)) return `syntax error near unexpected token \`${next && 'op' in next ? next.op : 'newline'}'`
    redirects.push({op: token.op as FileRedirectOp, target: next.word})
    i++
  }
  return {words, redirects}
}

function runCommand(command: SimpleCommand, ctx: ShellContext, session: ShellSession, stdin: Buffer, proc: ShellProcess): Output {
  let input = stdin
  let stdoutTo: {path: string; append: boolean} | null = null
  let stderrTo: {path: string; append: boolean} | 'stdout' | null = null
  for (const r of command.redirects) {
    if ('heredoc' in r) {
      input = Buffer.from(r.heredoc.literal ? r.heredoc.body : expandVariables(r.heredoc.body, session))
      continue
    }
    if (r.op === '2>&1') {
      stderrTo = 'stdout'
      continue
    }
    const [target = ''] = expandWord(r.target, ctx, session, false)
    const path = resolvePath(session, target)
    if (r.op === '<') {
      try {
        input = readPath(ctx, path)
      } catch (error) {
        return {stdout: Buffer.alloc(0), stderr: `bash: ${target}: ${fsMessage(error)}\n`, code: 1}
      }
    } else if (r.op === '>' || r.op === '>>') stdoutTo = {path, append: r.op === '>>'}
    else if (r.op === '2>' || r.op === '2>>') stderrTo = {path, append: r.op === '2>>'}
    else {
      stdoutTo = {path, append: false}
      stderrTo = 'stdout'
    }
  }

  const argv = command.words.flatMap((w) => expandWord(w, ctx, session, true))
  const assignments = argv.findIndex((a) => !isAssignment(a))
  // `FOO=bar` alone sets a shell variable.
  if (argv.length > 0 && assignments < 0) {
    for (const a of argv) session.env[a.slice(0, a.indexOf('='))] = a.slice(a.indexOf('=') + 1)
    return {stdout: Buffer.alloc(0), stderr: '', code: 0}
  }
  const own: ShellProcess = {depth: proc.depth, stdoutFile: stdoutTo ? (stdoutTo.path === '/dev/null' ? null : stdoutTo.path) : proc.stdoutFile}
  let result =
    argv.length === 0
      ? {stdout: Buffer.alloc(0), stderr: '', code: 0}
      : withVariables(session, argv.slice(0, assignments), () => runProgram(argv.slice(assignments), ctx, session, input, own))

  if (stderrTo === 'stdout') result = {...result, stdout: Buffer.concat([result.stdout, Buffer.from(result.stderr)]), stderr: ''}
  else if (stderrTo) {
    const failed = writeRedirect(ctx, stderrTo, Buffer.from(result.stderr))
    result = {...result, stderr: failed ?? ''}
  }
  if (stdoutTo) {
    const failed = writeRedirect(ctx, stdoutTo, result.stdout)
    if (failed) return {stdout: Buffer.alloc(0), stderr: result.stderr + failed, code: 1}
    result = {...result, stdout: Buffer.alloc(0)}
  }
  return result
}

function isAssignment(word: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_]*=/.test(word)
}

/** `FOO=bar cmd`: the variables hold for that one command, then are as they were. */
function withVariables(session: ShellSession, assignments: readonly string[], run: () => Output): Output {
  if (assignments.length === 0) return run()
  const before = new Map<string, string | undefined>()
  for (const a of assignments) {
    const name = a.slice(0, a.indexOf('='))
    if (!before.has(name)) before.set(name, session.env[name])
    session.env[name] = a.slice(a.indexOf('=') + 1)
  }
  try {
    return run()
  } finally {
    for (const [name, value] of before) {
      if (value === undefined) delete session.env[name]
      else session.env[name] = value
    }
  }
}

/** A file's bytes; /dev/null reads as empty, as the device does (it is not a file on the simulated disk). */
function readPath(ctx: ShellContext, path: string): Buffer {
  return path === '/dev/null' ? Buffer.alloc(0) : ctx.fs.readFile(path)
}

/** Writes a redirection's output; returns bash's complaint when it cannot. */
function writeRedirect(ctx: ShellContext, to: {path: string; append: boolean}, data: Buffer): string | null {
  if (to.path === '/dev/null') return null
  try {
    ctx.fs.writeFile(to.path, data, {append: to.append})
    return null
  } catch (error) {
    return `bash: ${to.path}: ${fsMessage(error)}\n`
  }
}

type Program = (args: string[], io: {ctx: ShellContext; session: ShellSession; stdin: Buffer; proc: ShellProcess}) => Output

function text(stdout: string, code = 0, stderr = ''): Output {
  return {stdout: Buffer.from(stdout), stderr, code}
}

function runProgram(argv: string[], ctx: ShellContext, session: ShellSession, stdin: Buffer, proc: ShellProcess): Output {
  const [name = '', ...args] = argv
  const program = PROGRAMS[/^\/(usr\/(local\/)?)?bin\//.test(name) ? posix.basename(name) : name]
  if (!program) return text('', 127, `${name}: not available on this simulated instance\n`)
  return program(args, {ctx, session, stdin, proc})
}

/** A program run by another (`sudo`, `nohup`, `env`): one level deeper, writing where its runner writes. */
function nested(proc: ShellProcess): ShellProcess {
  return {...proc, depth: proc.depth + 1}
}

/** Whether the machine has this model server's program: only images that ship it do. */
function hasModelServer(ctx: ShellContext, kind: ModelServerKind): boolean {
  return ctx.workloads !== undefined && imageProvides(ctx.workloads.image, kind)
}

/**
 * `vllm serve …` and `text-generation-launcher …` on an image that ships them: the machine starts
 * the server, and the program prints what the server logs as it starts (and, once its model is
 * loaded, the machine appends the rest to the file its output goes to). A real server runs until
 * stopped; here the program returns once the server is started, as if it had been sent to the
 * background.
 */
function modelServerProgram(kind: ModelServerKind): Program {
  const command = MODEL_SERVER_COMMANDS[kind]
  return (args, {ctx, session, proc}) => {
    if (!ctx.workloads || !hasModelServer(ctx, kind)) return text('', 127, `bash: ${command}: command not found\n`)
    const parsed = kind === 'vllm' ? parseVllmArgs(args) : parseTgiArgs(args, session.env)
    if ('output' in parsed) return parsed.code === 0 ? text(parsed.output) : text('', parsed.code, parsed.output)
    const outcome = ctx.workloads.launchModelServer(parsed.launch, proc.stdoutFile)
    if ('failed' in outcome) return text(launchLog(outcome.failed) + bindFailureLog(outcome.failed, outcome.error), 1)
    const server = outcome.started
    return text(launchLog(server) + (server.readyLogged ? readyLog(server, server.readyAt) : ''))
  }
}

/** `env [-i] [-u NAME] [NAME=VALUE]… [COMMAND…]`: the environment printed, or COMMAND run with it. */
function envProgram(args: string[], {ctx, session, stdin, proc}: Parameters<Program>[1]): Output {
  let env: Record<string, string> = {...session.env}
  let i = 0
  for (; i < args.length; i++) {
    const arg = args[i] as string
    if (arg === '-i' || arg === '-' || arg === '--ignore-environment') env = {}
    else if (arg === '-u' || arg === '--unset') delete env[args[++i] ?? '']
    else if (arg === '--') {
      i++
      break
    } else if (isAssignment(arg)) env[arg.slice(0, arg.indexOf('='))] = arg.slice(arg.indexOf('=') + 1)
    else break
  }
  if (i >= args.length) return text(Object.entries(env).map(([k, v]) => `${k}=${v}\n`).join(''))
  // COMMAND is a program of its own: its environment is its own, and a cd in it changes nothing here.
  return runProgram(args.slice(i), ctx, {...session, env}, stdin, nested(proc))
}

const PROGRAMS: Record<string, Program> = {
  true: () => text(''),
  ':': () => text(''),
  false: () => text('', 1),
  // Returns at once: nothing in the simulator should make a test wait on wall time.
  sleep: () => text(''),
  exit: (args, {session}) => {
    session.exited = Number.parseInt(args[0] ?? String(session.lastCode), 10) || 0
    return text('', session.exited)
  },
  echo: (args) => text(echoText(args)),
  printf: (args) => text(printfText(args)),
  hostname: (_args, {ctx}) => text(ctx.hostname + '\n'),
  whoami: (_args, {ctx}) => text((ctx.user ?? 'root') + '\n'),
  id: (_args, {ctx}) => text(idLine(ctx.user ?? 'root')),
  pwd: (_args, {session}) => text(session.cwd + '\n'),
  uname: (args, {ctx}) => text(uname(args, ctx.hostname)),
  nproc: (_args, {ctx}) => text(`${ctx.hardware.cpus}\n`),
  dmesg: (_args, {ctx}) => {
    const log = ctx.kernelLog ? ctx.kernelLog() : []
    if (log === null) return text('', 1, 'dmesg: read kernel buffer failed: Operation not permitted\n')
    return text(log.map((line) => `${line}\n`).join(''))
  },
  date: (_args, {ctx}) => text(dateLine(ctx.now())),
  env: envProgram,
  nohup: (args, {ctx, session, stdin, proc}) => {
    // No terminal is attached to what it runs here, so there is nothing to redirect to nohup.out.
    const rest = args[0] === '--' ? args.slice(1) : args
    if (rest.length === 0) return text('', 125, "nohup: missing operand\nTry 'nohup --help' for more information.\n")
    return runProgram(rest, ctx, session, stdin, nested(proc))
  },
  vllm: modelServerProgram('vllm'),
  'text-generation-launcher': modelServerProgram('tgi'),
  printenv: (args, {session}) => {
    if (args.length === 0) return text(Object.entries(session.env).map(([k, v]) => `${k}=${v}\n`).join(''))
    const values = args.map((a) => session.env[a])
    return text(values.filter((v) => v !== undefined).map((v) => v + '\n').join(''), values.every((v) => v !== undefined) ? 0 : 1)
  },
  export: (args, {session}) => {
    for (const a of args) if (a.includes('=')) session.env[a.slice(0, a.indexOf('='))] = a.slice(a.indexOf('=') + 1)
    return text('')
  },
  which: (args, {ctx}) => {
    const path = (name: string) => {
      if ((SHELL_COMMANDS as readonly string[]).includes(name) && !['cd', 'export', 'exit', ':'].includes(name)) return `/usr/bin/${name}`
      // pip puts them here in the images that ship them.
      const kind = (Object.keys(MODEL_SERVER_COMMANDS) as ModelServerKind[]).find((k) => MODEL_SERVER_COMMANDS[k] === name)
      return kind !== undefined && hasModelServer(ctx, kind) ? `/usr/local/bin/${name}` : null
    }
    const found = args.map(path).filter((p) => p !== null)
    return text(found.map((p) => `${p}\n`).join(''), found.length === args.length ? 0 : 1)
  },
  'nvidia-smi': (args, {ctx}) => {
    const r = runNvidiaSmi(args, {box: ctx.gpus(), load: ctx.gpuLoad(), now: ctx.now()})
    return {stdout: Buffer.from(r.stdout), stderr: r.stderr, code: r.code}
  },
  sudo: (args, {ctx, session, stdin, proc}) => {
    // Passwordless, as for TensorDock's `user`: run the rest as root.
    const rest = args.filter((a, i) => !(a.startsWith('-') && args.slice(0, i).every((b) => b.startsWith('-'))))
    if (rest.length === 0) return text('', 1, 'usage: sudo command\n')
    const asRoot: ShellContext = {...ctx, user: 'root'}
    return runProgram(rest, asRoot, {...session, env: {...session.env, USER: 'root', HOME: '/root'}}, stdin, nested(proc))
  },
  bash: shellProgram('bash'),
  sh: shellProgram('sh'),
  cd: (args, {ctx, session}) => {
    const operand = args.find((a) => a !== '--' && a !== '-P' && a !== '-L')
    const wanted = operand === undefined ? (session.env.HOME ?? '/') : operand === '-' ? session.previousCwd : operand
    const path = resolvePath(session, wanted)
    const stat = ctx.fs.stat(path)
    if (!stat) return text('', 1, `bash: cd: ${wanted}: No such file or directory\n`)
    if (stat.kind !== 'dir') return text('', 1, `bash: cd: ${wanted}: Not a directory\n`)
    session.previousCwd = session.cwd
    session.cwd = path
    session.env.PWD = path
    return text(operand === '-' ? path + '\n' : '')
  },
  ls,
  cat: (args, {ctx, session, stdin}) => {
    const operands = args.filter((a) => a === '-' || !a.startsWith('-'))
    if (operands.length === 0) return {stdout: stdin, stderr: '', code: 0}
    const parts: Buffer[] = []
    let stderr = ''
    for (const operand of operands) {
      if (operand === '-') {
        parts.push(stdin)
        continue
      }
      try {
        parts.push(readPath(ctx, resolvePath(session, operand)))
      } catch (error) {
        stderr += `cat: ${operand}: ${fsMessage(error)}\n`
      }
    }
    return {stdout: Buffer.concat(parts), stderr, code: stderr ? 1 : 0}
  },
  mkdir: (args, {ctx, session}) => {
    const {flags, operands} = options(args)
    if (operands.length === 0) return text('', 1, "mkdir: missing operand\nTry 'mkdir --help' for more information.\n")
    let stderr = ''
    for (const operand of operands) {
      try {
        ctx.fs.mkdir(resolvePath(session, operand), {parents: flags.has('p')})
      } catch (error) {
        stderr += `mkdir: cannot create directory ‘${operand}’: ${fsMessage(error)}\n`
      }
    }
    return text('', stderr ? 1 : 0, stderr)
  },
  rmdir: (args, {ctx, session}) => {
    let stderr = ''
    for (const operand of options(args).operands) {
      const path = resolvePath(session, operand)
      if (ctx.fs.stat(path)?.kind === 'file') stderr += `rmdir: failed to remove '${operand}': Not a directory\n`
      else {
        try {
          ctx.fs.remove(path)
        } catch (error) {
          stderr += `rmdir: failed to remove '${operand}': ${fsMessage(error)}\n`
        }
      }
    }
    return text('', stderr ? 1 : 0, stderr)
  },
  rm: (args, {ctx, session}) => {
    const {flags, operands} = options(args)
    const recursive = flags.has('r') || flags.has('R')
    const force = flags.has('f')
    if (operands.length === 0 && !force) return text('', 1, "rm: missing operand\nTry 'rm --help' for more information.\n")
    let stderr = ''
    for (const operand of operands) {
      const path = resolvePath(session, operand)
      const stat = ctx.fs.stat(path)
      if (!stat) {
        if (!force) stderr += `rm: cannot remove '${operand}': No such file or directory\n`
      } else if (stat.kind === 'dir' && !recursive) stderr += `rm: cannot remove '${operand}': Is a directory\n`
      else if (path === '/') stderr += "rm: it is dangerous to operate recursively on '/'\nrm: use --no-preserve-root to override this failsafe\n"
      else ctx.fs.remove(path, {recursive})
    }
    return text('', stderr ? 1 : 0, stderr)
  },
  touch: (args, {ctx, session}) => {
    let stderr = ''
    for (const operand of options(args).operands) {
      try {
        ctx.fs.create(resolvePath(session, operand))
      } catch (error) {
        stderr += `touch: cannot touch '${operand}': ${fsMessage(error)}\n`
      }
    }
    return text('', stderr ? 1 : 0, stderr)
  },
  cp: (args, io) => copyOrMove('cp', args, io),
  mv: (args, io) => copyOrMove('mv', args, io),
  head: (args, io) => headOrTail('head', args, io),
  tail: (args, io) => headOrTail('tail', args, io),
  wc: (args, {ctx, session, stdin}) => {
    const {flags, operands} = options(args)
    const wanted = ['l', 'w', 'c'].filter((f) => flags.has(f))
    const show = wanted.length === 0 ? ['l', 'w', 'c'] : wanted
    const count = (data: Buffer) => {
      const s = data.toString('utf8')
      const all: Record<string, number> = {l: (s.match(/\n/g) ?? []).length, w: s.split(/\s+/).filter((w) => w !== '').length, c: data.length}
      return show.map((f) => all[f] as number)
    }
    if (operands.length === 0) {
      const counts = count(stdin)
      return text((show.length === 1 ? String(counts[0]) : counts.map((n) => String(n).padStart(7)).join(' ')) + '\n')
    }
    let out = ''
    let stderr = ''
    for (const operand of operands) {
      try {
        out += count(readPath(ctx, resolvePath(session, operand))).map((n) => String(n)).join(' ') + ` ${operand}\n`
      } catch (error) {
        stderr += `wc: ${operand}: ${fsMessage(error)}\n`
      }
    }
    return text(out, stderr ? 1 : 0, stderr)
  },
  grep: (args, {ctx, session, stdin}) => {
    const {flags, operands} = options(args)
    const [pattern, ...files] = operands
    if (pattern === undefined) return text('', 2, 'Usage: grep [OPTION]... PATTERNS [FILE]...\n')
    let regex: RegExp
    try {
      regex = new RegExp(flags.has('F') ? pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') : pattern, flags.has('i') ? 'i' : '')
    } catch {
      return text('', 2, `grep: invalid pattern: ${pattern}\n`)
    }
    const sources: {name: string; data: Buffer}[] = []
    let stderr = ''
    if (files.length === 0) sources.push({name: '(standard input)', data: stdin})
    for (const file of files) {
      try {
        sources.push({name: file, data: readPath(ctx, resolvePath(session, file))})
      } catch (error) {
        stderr += `grep: ${file}: ${fsMessage(error)}\n`
      }
    }
    let out = ''
    let matched = 0
    for (const source of sources) {
      const lines = source.data.toString('utf8').split('\n')
      if (lines[lines.length - 1] === '') lines.pop()
      let count = 0
      lines.forEach((line, i) => {
        if (regex.test(line) === flags.has('v')) return
        count++
        if (!flags.has('c')) out += `${sources.length > 1 ? source.name + ':' : ''}${flags.has('n') ? `${i + 1}:` : ''}${line}\n`
      })
      if (flags.has('c')) out += `${sources.length > 1 ? source.name + ':' : ''}${count}\n`
      matched += count
    }
    return text(out, stderr ? 2 : matched > 0 ? 0 : 1, stderr)
  },
  df: (args, {ctx}) => {
    const human = options(args).flags.has('h')
    const size = ctx.hardware.diskGb * 1024 ** 3
    const used = Math.min(size, IMAGE_BYTES + ctx.fs.usedBytes())
    const pct = `${Math.ceil((used / size) * 100)}%`
    const widths = human ? [15, 4, 5, 5, 4] : [14, 9, 9, 9, 4]
    const row = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[0]!) : i < 5 ? c.padStart(widths[i]!) : c)).join(' ')
    const fmt = (bytes: number) => (human ? humanSize(bytes) : String(Math.round(bytes / 1024)))
    const header = human ? ['Filesystem', 'Size', 'Used', 'Avail', 'Use%', 'Mounted on'] : ['Filesystem', '1K-blocks', 'Used', 'Available', 'Use%', 'Mounted on']
    return text(`${row(header)}\n${row([ctx.hardware.rootDevice, fmt(size), fmt(used), fmt(size - used), pct, '/'])}\n`)
  },
  free: (args, {ctx}) => {
    const {flags} = options(args)
    const total = ctx.hardware.memoryMiB * 1024 * 1024
    const used = Math.round(total * 0.021)
    const cache = Math.round(total * 0.034)
    const shared = 1_400_000
    const unit = (bytes: number) =>
      flags.has('h') ? humanSize(bytes, true) : flags.has('g') ? String(Math.floor(bytes / 1024 ** 3)) : flags.has('m') ? String(Math.floor(bytes / 1024 ** 2)) : flags.has('b') ? String(bytes) : String(Math.floor(bytes / 1024))
    const cells = (label: string, values: number[]) => label.padEnd(7) + values.map((v, i) => unit(v).padStart(i === 0 ? 13 : 12)).join('')
    return text(
      `${' '.repeat(15)}total        used        free      shared  buff/cache   available\n` +
        `${cells('Mem:', [total, used, total - used - cache, shared, cache, total - used])}\n` +
        `${cells('Swap:', [0, 0, 0])}\n`,
    )
  },
}

function shellProgram(name: string): Program {
  return (args, {ctx, session, stdin, proc}) => {
    const c = args.findIndex((a) => /^-[a-z]*c$/.test(a))
    if (proc.depth >= MAX_DEPTH) return text('', 1, `${name}: too many nested shells\n`)
    if (c >= 0 && args[c + 1] !== undefined) {
      // A child shell: its own cwd and variables, the same machine, writing where it was told to.
      return runShellLine(args[c + 1] as string, ctx, {...session, env: {...session.env}, exited: null}, nested(proc))
    }
    if (args.length === 0 && stdin.length > 0) return runShellLine(stdin.toString('utf8'), ctx, {...session, env: {...session.env}, exited: null}, nested(proc))
    return text('', 2, `${name}: only -c and commands on stdin run on this simulated instance\n`)
  }
}

function ls(args: string[], {ctx, session}: {ctx: ShellContext; session: ShellSession}): Output {
  const {flags, operands} = options(args)
  const long = flags.has('l')
  const all = flags.has('a')
  const almostAll = flags.has('A')
  const onePerLine = flags.has('1') || !ctx.tty
  const targets = operands.length === 0 ? ['.'] : operands
  let stderr = ''
  const files: string[] = []
  const dirs: string[] = []
  for (const target of targets) {
    const stat = ctx.fs.stat(resolvePath(session, target))
    if (!stat) stderr += `ls: cannot access '${target}': No such file or directory\n`
    else if (stat.kind === 'dir' && !flags.has('d')) dirs.push(target)
    else files.push(target)
  }
  const layout = (names: string[], dir: string | null) => {
    if (names.length === 0) return ''
    if (!long) return onePerLine ? names.map((n) => n + '\n').join('') : names.join('  ') + '\n'
    const lines = names.map((n) => {
      const path = dir === null ? resolvePath(session, n) : n === '.' ? dir : n === '..' ? posix.dirname(dir) : posix.join(dir, n)
      const stat = ctx.fs.stat(path)!
      const owner = /^\/home\/([^/]+)\//.exec(path + '/')?.[1] ?? 'root'
      return longListing(n, stat, owner, flags.has('h')) + '\n'
    })
    return lines.join('')
  }
  let out = layout(files, null)
  for (const [i, dir] of dirs.entries()) {
    const path = resolvePath(session, dir)
    let names = ctx.fs.readdir(path)
    if (!all && !almostAll) names = names.filter((n) => !n.startsWith('.'))
    if (all) names = ['.', '..', ...names]
    if (dirs.length + files.length > 1) out += `${i > 0 || files.length > 0 ? '\n' : ''}${dir}:\n`
    if (long) {
      const blocks = names.reduce((sum, n) => sum + Math.ceil((ctx.fs.stat(posix.join(path, n))?.size ?? 4096) / 4096) * 4, 0)
      out += `total ${blocks}\n`
    }
    out += layout(names, path)
  }
  return text(out, stderr ? 2 : 0, stderr)
}

function copyOrMove(name: 'cp' | 'mv', args: string[], {ctx, session}: {ctx: ShellContext; session: ShellSession}): Output {
  const {flags, operands} = options(args)
  if (operands.length < 2) return text('', 1, `${name}: missing destination file operand after '${operands[0] ?? ''}'\n`)
  const dest = operands[operands.length - 1] as string
  const destPath = resolvePath(session, dest)
  const intoDir = ctx.fs.isDir(destPath)
  let stderr = ''
  for (const source of operands.slice(0, -1)) {
    const from = resolvePath(session, source)
    const target = intoDir ? posix.join(destPath, posix.basename(from)) : destPath
    const stat = ctx.fs.stat(from)
    try {
      if (!stat) throw new FsError('ENOENT', from)
      if (name === 'mv') ctx.fs.rename(from, target)
      else if (stat.kind === 'file') ctx.fs.writeFile(target, ctx.fs.readFile(from))
      else if (!flags.has('r') && !flags.has('R') && !flags.has('a')) {
        stderr += `cp: -r not specified; omitting directory '${source}'\n`
      } else copyTree(ctx.fs, from, target)
    } catch (error) {
      stderr += `${name}: cannot ${name === 'cp' ? 'stat' : 'move'} '${source}': ${fsMessage(error)}\n`
    }
  }
  return text('', stderr ? 1 : 0, stderr)
}

function copyTree(fs: MemoryFs, from: string, to: string): void {
  fs.mkdir(to, {parents: true})
  for (const name of fs.readdir(from)) {
    const child = posix.join(from, name)
    if (fs.isDir(child)) copyTree(fs, child, posix.join(to, name))
    else fs.writeFile(posix.join(to, name), fs.readFile(child))
  }
}

function headOrTail(name: 'head' | 'tail', args: string[], {ctx, session, stdin}: {ctx: ShellContext; session: ShellSession; stdin: Buffer}): Output {
  let count = 10
  const files: string[] = []
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string
    if (arg === '-n') count = Number.parseInt(args[++i] ?? '10', 10)
    else if (/^-n\d+$/.test(arg)) count = Number.parseInt(arg.slice(2), 10)
    else if (/^-\d+$/.test(arg)) count = Number.parseInt(arg.slice(1), 10)
    else files.push(arg)
  }
  const pick = (data: Buffer) => {
    const lines = data.toString('utf8').split('\n')
    const trailing = lines[lines.length - 1] === ''
    if (trailing) lines.pop()
    const chosen = name === 'head' ? lines.slice(0, count) : lines.slice(Math.max(0, lines.length - count))
    return chosen.length === 0 ? '' : chosen.join('\n') + '\n'
  }
  if (files.length === 0) return text(pick(stdin))
  let out = ''
  let stderr = ''
  for (const file of files) {
    try {
      const data = readPath(ctx, resolvePath(session, file))
      out += (files.length > 1 ? `==> ${file} <==\n` : '') + pick(data)
    } catch (error) {
      stderr += `${name}: cannot open '${file}' for reading: ${fsMessage(error)}\n`
    }
  }
  return text(out, stderr ? 1 : 0, stderr)
}

/** Short flags (`-rf` → r, f) and the operands after them; `--` ends the flags. */
function options(args: string[]): {flags: Set<string>; operands: string[]} {
  const flags = new Set<string>()
  const operands: string[] = []
  let ended = false
  for (const arg of args) {
    if (!ended && arg === '--') ended = true
    else if (!ended && /^-[A-Za-z0-9]+$/.test(arg)) for (const ch of arg.slice(1)) flags.add(ch)
    else if (!ended && arg.startsWith('--')) flags.add(arg)
    else operands.push(arg)
  }
  return {flags, operands}
}

export function resolvePath(session: ShellSession, path: string): string {
  return posix.resolve(session.cwd, path === '' ? '.' : path)
}

function fsMessage(error: unknown): string {
  if (!(error instanceof FsError)) throw error
  switch (error.code) {
    case 'ENOENT':
      return 'No such file or directory'
    case 'EEXIST':
      return 'File exists'
    case 'EISDIR':
      return 'Is a directory'
    case 'ENOTDIR':
      return 'Not a directory'
    case 'ENOTEMPTY':
      return 'Directory not empty'
    case 'ENOSPC':
      return 'No space left on device'
    case 'EINVAL':
      return 'Invalid argument'
  }
}

function humanSize(bytes: number, iSuffix = false): string {
  const units = iSuffix ? ['B', 'Ki', 'Mi', 'Gi', 'Ti'] : ['', 'K', 'M', 'G', 'T']
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  const shown = value < 10 && unit > 0 ? (Math.ceil(value * 10) / 10).toFixed(1) : String(Math.ceil(value))
  return shown + units[unit]
}

function uname(args: string[], hostname: string): string {
  if (args.includes('-a')) return `Linux ${hostname} ${KERNEL} #134-Ubuntu SMP Fri Sep 27 20:20:17 UTC 2024 x86_64 x86_64 x86_64 GNU/Linux\n`
  if (args.includes('-r')) return KERNEL + '\n'
  if (args.includes('-m')) return 'x86_64\n'
  if (args.includes('-n')) return hostname + '\n'
  return 'Linux\n'
}

/** `date`'s default format, in UTC as the images are set up. */
function dateLine(epochMs: number): string {
  const d = new Date(epochMs)
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat']
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']
  const two = (n: number) => String(n).padStart(2, '0')
  return `${days[d.getUTCDay()]} ${months[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2)} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} UTC ${d.getUTCFullYear()}\n`
}

/** `$VAR`, `${VAR}`, `$?` in unquoted and double-quoted text. */
function expandVariables(value: string, session: ShellSession): string {
  return value.replace(/\$(\?|\{[A-Za-z_][A-Za-z0-9_]*\}|[A-Za-z_][A-Za-z0-9_]*)/g, (_, name: string) => {
    if (name === '?') return String(session.lastCode)
    const key = name.startsWith('{') ? name.slice(1, -1) : name
    if (key === 'PWD') return session.cwd
    return session.env[key] ?? ''
  })
}

/** One word after expansion: variables, a leading `~`, and globs (unquoted only; no match keeps the pattern). */
function expandWord(word: ShellWord, ctx: ShellContext, session: ShellSession, glob: boolean): string[] {
  let value = ''
  let pattern = ''
  let hasGlob = false
  word.forEach((seg, i) => {
    let part = seg.quote === 'single' ? seg.text : expandVariables(seg.text, session)
    if (i === 0 && seg.quote === 'none' && (part === '~' || part.startsWith('~/'))) part = (session.env.HOME ?? homeOf(ctx.user ?? 'root')) + part.slice(1)
    value += part
    if (seg.quote === 'none' && /[*?]/.test(part)) {
      hasGlob = true
      pattern += part
    } else pattern += part.replace(/[*?[\]\\]/g, '\\$&')
  })
  if (!glob || !hasGlob) return [value]
  const matches = globMatches(ctx, session, pattern)
  return matches.length > 0 ? matches : [value]
}

function globMatches(ctx: ShellContext, session: ShellSession, pattern: string): string[] {
  const slash = pattern.lastIndexOf('/')
  const dirPart = slash >= 0 ? pattern.slice(0, slash + 1) : ''
  const namePart = slash >= 0 ? pattern.slice(slash + 1) : pattern
  const unescaped = dirPart.replace(/\\(.)/g, '$1')
  const dir = resolvePath(session, unescaped === '' ? '.' : unescaped)
  if (!ctx.fs.isDir(dir)) return []
  const regex = new RegExp(
    '^' +
      namePart.replace(/\\(.)|([*?])|([.+^${}()|[\]])/g, (_, escaped: string | undefined, wild: string | undefined, special: string | undefined) =>
        escaped !== undefined ? escaped.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') : wild === '*' ? '[^/]*' : wild === '?' ? '[^/]' : `\\${special}`,
      ) +
      '$',
  )
  return ctx.fs
    .readdir(dir)
    .filter((n) => regex.test(n) && (!n.startsWith('.') || namePart.startsWith('.')))
    .map((n) => unescaped + n)
}
