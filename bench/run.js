#!/usr/bin/env node
// Benchmarks, run with `npm run bench` (after a build), or one with `npm run bench -- <name>`.
// Uses public tools so anyone can rerun them: hyperfine for whole-command timings.
import {execFileSync} from 'node:child_process'
import {mkdtempSync, readdirSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const only = process.argv[2]
const benches = readdirSync(join(root, 'bench'))
  .filter((f) => f.endsWith('.bench.js'))
  .filter((f) => !only || f.startsWith(only))

const home = mkdtempSync(join(tmpdir(), 'gpu-shopper-bench-'))
try {
  for (const file of benches) {
    console.log(`\n## ${file}`)
    execFileSync(process.execPath, [join(root, 'bench', file)], {stdio: 'inherit', env: {...process.env, GPU_SHOPPER_HOME: home}})
  }
} finally {
  rmSync(home, {recursive: true, force: true})
}
