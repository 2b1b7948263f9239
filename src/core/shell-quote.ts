/**
 * Every command we hand to a shell, on a node over SSH (an exec request carries one string, not
 * an argv) or printed for the user to paste, must reach the program exactly as built: each
 * argument is a word, whatever is in it.
 */

/** A command line whose every argument was quoted by {@link shellQuote}: safe to send as is. */
export type ShellCommand = string & {readonly __brand: 'ShellCommand'}

// Left unquoted only for readable logs and pastes. `=` only after the first character (zsh
// expands a leading `=word` to a path); never `~`, `%` or `^`, which some shells treat specially.
const SAFE_BARE = /^[A-Za-z0-9_./:@,+-][A-Za-z0-9_./:@,+=-]*$/

/** One argument as any POSIX shell (and bash, zsh, dash) reads it back unchanged. */
export function shellQuote(argument: string): string {
  // An argv entry is a C string: a NUL would silently cut it short on the other side.
  if (argument.includes('\0')) throw new Error('a shell argument cannot contain a NUL byte')
  if (SAFE_BARE.test(argument)) return argument
  // Inside single quotes nothing is special but the quote itself: close, add \', reopen.
  return `'${argument.replaceAll("'", `'\\''`)}'`
}

/** An argv as one command line: `command('virsh', '-c', uri, 'start', name)`. */
export function command(...argv: string[]): ShellCommand {
  if (argv.length === 0) throw new Error('a command needs at least the program name')
  return argv.map(shellQuote).join(' ') as ShellCommand
}

/** An argv as one line that runs the same argv when pasted into bash, zsh or sh. */
export function shellJoin(argv: readonly string[]): string {
  return argv.map(shellQuote).join(' ')
}
