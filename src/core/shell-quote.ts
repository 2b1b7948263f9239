/** One argument as POSIX sh reads it back unchanged; plain words stay bare for readability. */
export function shellQuote(text: string): string {
  if (text !== '' && /^[\w./:@=,+%^-]+$/.test(text)) return text
  return `'${text.replaceAll("'", `'\\''`)}'`
}

/** An argv as one line that runs the same argv when pasted into bash, zsh or sh. */
export function shellJoin(argv: readonly string[]): string {
  return argv.map(shellQuote).join(' ')
}
