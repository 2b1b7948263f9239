import {EXIT} from '../exit-codes.js'
import {UserError} from '../errors.js'

/** The words other CLIs log in with (`gh auth login`, `docker login`, `whoami`), to the `auth` command each means. */
const LOGIN_WORDS: Record<string, string> = {login: 'auth:login', logout: 'auth:logout', whoami: 'auth:status'}

/** Edit distance (insertions, deletions, substitutions) between two short strings. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({length: b.length + 1}, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1))
    }
    previous = current
  }
  return previous[b.length]!
}

/**
 * The commands someone who typed `typed` (oclif's id, words joined by ":") most likely meant:
 * the closest by spelling, and when the first word is a topic ("sessions list"), that topic's
 * commands. Ids come back with spaces, as they are typed.
 */
export function suggestCommands(typed: string, ids: readonly string[], max = 3): string[] {
  const words = typed.split(':')
  const text = words.join(' ')
  const known = [...new Set(ids)].map((id) => id.replaceAll(':', ' '))
  // One typo in four letters is a typo; more than that is another word.
  const tolerance = Math.max(2, Math.floor(text.length / 4))
  const close = known
    .map((id) => ({id, distance: editDistance(text, id)}))
    .filter((c) => c.distance <= tolerance)
    .sort((a, b) => a.distance - b.distance || a.id.localeCompare(b.id))
    .map((c) => c.id)
  const topic = words.length > 1 ? known.filter((id) => id === words[0] || id.startsWith(`${words[0]} `)).sort() : []
  return [...new Set([...close, ...topic])].slice(0, max)
}

/** The error for a command that does not exist, with the closest ones as the fix. */
export function commandNotFound(typed: string, ids: readonly string[], bin: string): UserError {
  const words = typed.split(':')
  const text = words.join(' ')
  const meant = LOGIN_WORDS[words[0]!]
  const suggestions = [...new Set([...(meant && ids.includes(meant) ? [meant.replaceAll(':', ' ')] : []), ...suggestCommands(typed, ids)])].slice(0, 3)
  const quoted = suggestions.map((id) => `\`${bin} ${id}\``)
  const didYouMean = quoted.length === 0 ? '' : `Did you mean ${quoted.length === 1 ? quoted[0] : `${quoted.slice(0, -1).join(', ')} or ${quoted.at(-1)}`}? `
  return new UserError(`there is no \`${bin} ${text}\` command`, {
    errorType: 'command_not_found',
    exitCode: EXIT.USAGE,
    fix: `${didYouMean}\`${bin} --help\` lists every command.`,
    details: {command: text, suggestions},
  })
}
