#!/usr/bin/env node
// Start-up is a feature: `sessions --json` (a round trip to the daemon) answers within twice the
// time of `node -e 0` and `--version` within 1.2x (bench/startup.bench.js measures both).
// Built-in modules come from process.getBuiltinModule: an ESM import of one costs a facade.

// With no arguments at all on a terminal, the dashboard opens (`gpu-shopper tui`).
if (process.argv.length === 2 && process.stdin.isTTY && process.stdout.isTTY) process.argv.push('tui')
const args = process.argv.slice(2)
if (args.length === 1 && (args[0] === '--version' || args[0] === '-v')) {
  // Answered before anything else loads: importing @oclif/core alone costs about as much as
  // starting Node, and a version check should cost nothing but Node's start. package.json is
  // this file's neighbour in every install. The line matches oclif's own format.
  const {name, version} = JSON.parse(process.getBuiltinModule('node:fs').readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
  process.stdout.write(`${name}/${version} ${process.platform}-${process.arch} node-${process.version}\n`)
} else {
  // Before anything big loads, so every later module comes from V8's cache. Node 22.1+ only:
  // on older versions not even the module that sets it up is loaded.
  if (typeof process.getBuiltinModule('node:module').enableCompileCache === 'function') {
    const {enableCompileCache} = await import('../dist/src/cli/compile-cache.js')
    enableCompileCache()
  }
  // The hot commands with plain arguments run without oclif (src/cli/fast-path); all else,
  // help and every argument error included, is oclif's.
  const {runFastPath} = await import('../dist/src/cli/fast-path/fast-path.js')
  if (!(await runFastPath(args))) {
    // The built commands, whatever NODE_ENV says: under "test" or "development" oclif would
    // otherwise load the TypeScript sources through tsx, twice as slow and not what ships.
    const {execute, settings} = await import('@oclif/core')
    settings.enableAutoTranspile = false
    await execute({dir: import.meta.url})
  }
}
