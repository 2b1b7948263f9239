#!/usr/bin/env node
// Benchmarks, run with `npm run bench` (after a build), or one with `npm run bench -- <name>`.
// Uses public tools so anyone can rerun them: hyperfine for whole-command timings, autocannon
// for HTTP load. Each bench prints its own detail and reports its headline measures
// (bench/report.js); they are printed together at the end, one table for one run.
import {execFileSync} from 'node:child_process'
import {mkdtempSync, readdirSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const only = process.argv[2]
const benches = readdirSync(join(root, 'bench'))
  .filter((f) => f.endsWith('.bench.js'))
  .filter((f) => !only || f.startsWith(only))

const home = mkdtempSync(join(tmpdir(), 'gpu-shopper-bench-'))
const rowsFile = join(home, 'rows.jsonl')
const failed = []
try {
  for (const file of benches) {
    console.log(`\n## ${file}`)
    try {
      execFileSync(process.execPath, [join(root, 'bench', file)], {stdio: 'inherit', env: {...process.env, GPU_SHOPPER_HOME: home, GPU_SHOPPER_BENCH_ROWS: rowsFile}})
    } catch {
      // One bench that cannot run here (no hyperfine, no libvirt host) must not hide the others' rows.
      failed.push(file)
    }
  }
  printSummary(readRows(rowsFile))
  if (failed.length) {
    console.log(`\nfailed to run: ${failed.join(', ')}`)
    process.exitCode = 1
  }
} finally {
  rmSync(home, {recursive: true, force: true})
}

function readRows(file) {
  try {
    return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line))
  } catch {
    return []
  }
}

function printSummary(rows) {
  if (rows.length === 0) return
  const verdict = (met) => (met === null ? '' : met ? 'met' : 'NOT MET')
  const table = [['measure', 'this run', 'target', ''], ...rows.map((r) => [r.measure, r.value, r.target, verdict(r.met)])]
  const widths = table[0].map((_, i) => Math.max(...table.map((row) => row[i].length)))
  console.log(`\n## summary (${new Date().toISOString()}, ${process.version})`)
  for (const [i, row] of table.entries()) {
    console.log(`| ${row.map((cell, j) => cell.padEnd(widths[j])).join(' | ')} |`)
    if (i === 0) console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`)
  }
}
