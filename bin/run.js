#!/usr/bin/env node
// `--version` is answered before oclif loads: importing @oclif/core alone costs about as much
// as starting Node, and a version check should not. The line matches oclif's own format.
// With no arguments at all on a terminal, the dashboard opens (`gpu-shopper tui`).
const args = process.argv.slice(2)
if (args.length === 0 && process.stdin.isTTY && process.stdout.isTTY) process.argv.push('tui')
if (args.length === 1 && (args[0] === '--version' || args[0] === '-v')) {
  const {readFileSync} = await import('node:fs')
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
  process.stdout.write(`${pkg.name}/${pkg.version} ${process.platform}-${process.arch} node-${process.version}\n`)
} else {
  const {execute} = await import('@oclif/core')
  await execute({dir: import.meta.url})
}
