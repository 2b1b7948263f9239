/**
 * What `echo` and `printf` print, for both simulated shells (a machine's and cloud-init's):
 * they are how people write a key into `authorized_keys`, so both must read them alike.
 */

/** `echo [-neE] words…`: `-e` turns on `\n`, `\t` and `\\`, `-E` off again, `-n` drops the newline. */
export function echoText(args: readonly string[]): string {
  let i = 0
  let newline = true
  let escapes = false
  while (args[i] !== undefined && /^-[neE]+$/.test(args[i] as string)) {
    const flags = args[i] as string
    if (flags.includes('n')) newline = false
    if (flags.includes('e')) escapes = true
    if (flags.includes('E')) escapes = false
    i++
  }
  const body = args.slice(i).join(' ')
  return (escapes ? unescapeBackslashes(body) : body) + (newline ? '\n' : '')
}

/** `printf FORMAT values…` with `%s`, `%b`, `%d` and `%%`. */
export function printfText(args: readonly string[]): string {
  const [format = '', ...values] = args
  let out = ''
  let index = 0
  // Like printf(1): the format is reused while arguments remain.
  do {
    out += unescapeBackslashes(format).replace(/%[sdb%]/g, (spec) =>
      spec === '%%' ? '%' : spec === '%d' ? String(Number.parseInt(values[index++] ?? '0', 10) || 0) : (values[index++] ?? ''),
    )
  } while (index < values.length && index > 0)
  return out
}

export function unescapeBackslashes(text: string): string {
  return text.replace(/\\([nt\\])/g, (_, c: string) => (c === 'n' ? '\n' : c === 't' ? '\t' : '\\'))
}
