/**
 * How the fast path reads one flag. A deliberately small subset of oclif's flags: enough for the
 * hot commands' plain arguments, and nothing whose meaning could differ from oclif's.
 */
export type FastFlag =
  | {type: 'boolean'; dependsOn?: readonly string[]}
  | {type: 'string'; options?: readonly string[]}
  | {type: 'integer'; default?: number}

export type FastFlags = Record<string, string | number | boolean>

const INTEGER = /^\d+$/

/**
 * The flags of `argv` (the words after the command id) as oclif would parse them, or null when
 * `argv` holds anything this parser does not read exactly as oclif does: then oclif parses it,
 * and so says the same thing about an error or prints the help. Accepted: `--name value`,
 * `--name=value`, booleans without a value, each flag once, values that do not start with a dash,
 * integers of digits alone, values among the flag's options; not accepted: arguments, short
 * flags, `--`, `--help`, a flag missing one it depends on, and everything else.
 */
export function parseFastFlags(argv: readonly string[], spec: Readonly<Record<string, FastFlag>>): FastFlags | null {
  const flags: FastFlags = {}
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i]!
    if (!word.startsWith('--') || word === '--') return null
    const equals = word.indexOf('=')
    const name = equals === -1 ? word.slice(2) : word.slice(2, equals)
    if (!Object.hasOwn(spec, name) || Object.hasOwn(flags, name)) return null
    const flag = spec[name]!
    if (flag.type === 'boolean') {
      if (equals !== -1) return null
      flags[name] = true
      continue
    }
    const value = equals === -1 ? argv[++i] : word.slice(equals + 1)
    if (value === undefined || value.startsWith('-')) return null
    if (flag.type === 'integer') {
      if (!INTEGER.test(value)) return null
      flags[name] = Number.parseInt(value, 10)
    } else {
      if (flag.options && !flag.options.includes(value)) return null
      flags[name] = value
    }
  }
  for (const [name, flag] of Object.entries(spec)) {
    if (flag.type === 'boolean' && flags[name] && flag.dependsOn?.some((other) => !Object.hasOwn(flags, other))) return null
    if (flag.type === 'integer' && flag.default !== undefined && !Object.hasOwn(flags, name)) flags[name] = flag.default
  }
  return flags
}
