#!/usr/bin/env node
// `--version` is answered before oclif loads: importing @oclif/core alone costs about as much
// as starting Node, and a version check should not. The line matches oclif's own format.
// With no arguments at all on a terminal, the dashboard opens (`gpu-shopper tui`).
const args = process.argv.slice(2)
if (args.length === 0 && process.stdin.isTTY && process.stdout.isTTY) process.argv.push('tui')
if (args.length === 1 && (args[0] === '--version' || args[0] === '-v')) {
  const {packageManifest} = await import('../dist/src/config/package-version.js')
  const {name, version} = packageManifest()
  process.stdout.write(`${name}/${version} ${process.platform}-${process.arch} node-${process.version}\n`)
} else {
  // The built commands, whatever NODE_ENV says: under "test" or "development" oclif would
  // otherwise load the TypeScript sources through tsx, twice as slow and not what ships.
  const {execute, settings} = await import('@oclif/core')
  settings.enableAutoTranspile = false
  await execute({dir: import.meta.url})
}
