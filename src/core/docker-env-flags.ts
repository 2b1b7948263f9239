/**
 * Vast.ai writes a template's environment as `docker run` flags in one string
 * (`-p 8000:8000 -e HF_TOKEN=hf_x -e MODEL="org/name"`), while a create body takes it as a dict
 * whose port mappings are keys (`{"-p 8000:8000": "1", "HF_TOKEN": "hf_x"}`, providers.md §1.6).
 * This reads the one into the other the way vast.py's `parse_env` does: `-e K=V` (quotes around
 * the value dropped), `-p` with a port spec, and `-h`/`-v`/`-n` kept as `"-h host": "1"` keys.
 * Where vast.py stops at the first word it does not know, this skips that word and reads on, so
 * one odd flag in a template does not hide the ports and variables after it.
 */

/** A `-p` spec: `8000:8000`, `8081:8081/udp`, or a bare container port. */
const PORT_SPEC = /^(?:\d{1,5}:)?\d{1,5}(?:\/(?:tcp|udp))?$/
const PORT_KEY = /^-p\s+(?:\d{1,5}:)?(\d{1,5})(?:\/(tcp|udp))?$/
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/
const VALUE_FLAGS = new Set(['-e', '-p', '-h', '-v', '-n'])

/** The flags string as a create body's `env` dict. Values are the template's: secrets, never shown. */
export function parseDockerEnvFlags(flags: string): Record<string, string> {
  const env: Record<string, string> = {}
  const words = splitWords(flags)
  for (let i = 0; i < words.length; i++) {
    const flag = words[i]!
    if (!VALUE_FLAGS.has(flag)) continue
    const value = words[i + 1]
    if (value === undefined) break
    i++
    if (flag === '-e') {
      const eq = value.indexOf('=')
      const name = eq < 0 ? value : value.slice(0, eq)
      if (ENV_NAME.test(name)) env[name] = eq < 0 ? '' : unquote(value.slice(eq + 1))
    } else if (flag === '-p') {
      if (PORT_SPEC.test(value)) env[`-p ${value}`] = '1'
    } else {
      env[`${flag} ${value}`] = '1'
    }
  }
  return env
}

/** The container ports an env dict publishes (its `-p` keys), TCP ones, in order, each once. */
export function publishedPorts(env: Readonly<Record<string, string>>): number[] {
  const ports: number[] = []
  for (const key of Object.keys(env)) {
    const match = PORT_KEY.exec(key.trim())
    if (!match || match[2] === 'udp') continue
    const port = Number(match[1])
    if (port >= 1 && port <= 65_535 && !ports.includes(port)) ports.push(port)
  }
  return ports
}

/** The variable names of an env dict: its keys that are not docker flags. */
export function variableNames(env: Readonly<Record<string, string>>): string[] {
  return Object.keys(env).filter((key) => ENV_NAME.test(key))
}

/** Words split on whitespace, double or single quotes keeping spaces inside a word (vast.py's smart_split). */
function splitWords(text: string): string[] {
  const words: string[] = []
  let current = ''
  let quote: '"' | "'" | null = null
  let inWord = false
  for (const c of text) {
    if (quote) {
      current += c
      if (c === quote) quote = null
    } else if (c === '"' || c === "'") {
      quote = c
      current += c
      inWord = true
    } else if (/\s/.test(c)) {
      if (inWord) words.push(current)
      current = ''
      inWord = false
    } else {
      current += c
      inWord = true
    }
  }
  if (inWord) words.push(current)
  return words
}

function unquote(value: string): string {
  const first = value[0]
  return value.length >= 2 && (first === '"' || first === "'") && value.endsWith(first) ? value.slice(1, -1) : value
}
