#!/usr/bin/env node
// CLI start-up against bare Node, measured by hyperfine in one run so that both sides see the
// same machine: `gpu-shopper --version` within 1.2x the time of `node -e 0`, and
// `gpu-shopper sessions --json` (a real HTTP round trip to a running daemon) within 2x. Run with
// `npm run bench -- startup` (after a build).
import {execFileSync, spawnSync} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {setTimeout as delay} from 'node:timers/promises'
import {fileURLToPath} from 'node:url'

import {reportRow} from './report.js'

const MEASURES = [
  {name: '--version', measure: '--version start-up vs node -e 0', limit: 1.2},
  {name: 'sessions --json', measure: 'sessions --json start-up vs node -e 0', limit: 2},
]

if (spawnSync('hyperfine', ['--version']).status !== 0) {
  for (const {measure, limit} of MEASURES) reportRow({measure, value: 'not measured: no hyperfine', target: `≤ ${limit}x`, met: null})
  console.error('hyperfine is not installed: apt-get install -y hyperfine')
  process.exit(2)
}

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const cli = join(root, 'bin', 'run.js')
const node = process.execPath
// A home of its own: the daemon started and stopped here is never the user's (or another bench's).
const home = mkdtempSync(join(tmpdir(), 'gpu-shopper-startup-'))
const env = {...process.env, GPU_SHOPPER_HOME: home}
const run = (...args) => execFileSync(node, [cli, ...args], {env, encoding: 'utf8'})

try {
  run('daemon', 'start', '--simulate', '--port', '0')
  // The daemon's first market refresh would compete for the CPU with what is measured.
  for (let i = 0; i < 300 && JSON.parse(run('inventory', '--limit', '1', '--json')).data.offers.length === 0; i++) await delay(100)
  const json = join(home, 'startup.json')
  const result = spawnSync(
    'hyperfine',
    ['-N', '--warmup', '3', '--runs', '20', '--export-json', json, `${node} -e 0`, ...MEASURES.map(({name}) => `${node} ${cli} ${name}`)],
    {env, stdio: 'inherit'},
  )
  if (result.status !== 0) throw new Error(`hyperfine failed (exit ${result.status})`)
  const [bare, ...means] = JSON.parse(readFileSync(json, 'utf8')).results.map((r) => r.mean)
  const ms = (seconds) => `${(seconds * 1000).toFixed(1)} ms`
  if (process.env.NODE_EXTRA_CA_CERTS) {
    // Node 20 reads that bundle at every start, `node -e 0` included: the baseline grows by tens
    // of milliseconds that every ratio below then hides.
    console.log('Note: NODE_EXTRA_CA_CERTS is set, which slows every Node 20 start; unset it to compare with a plain install.')
  }
  console.log(`${'node -e 0'.padEnd(16)} ${ms(bare).padStart(9)}`)
  MEASURES.forEach(({name, measure, limit}, i) => {
    const ratio = means[i] / bare
    const met = ratio <= limit
    console.log(`${name.padEnd(16)} ${ms(means[i]).padStart(9)}  ${ratio.toFixed(2)}x node -e 0  (target ≤ ${limit}x) ${met ? 'OK' : 'OVER'}`)
    reportRow({measure, value: `${ratio.toFixed(2)}x (${ms(means[i])} vs ${ms(bare)})`, target: `≤ ${limit}x`, met})
  })
} finally {
  spawnSync(node, [cli, 'daemon', 'stop'], {env, stdio: 'inherit'})
  rmSync(home, {recursive: true, force: true})
}
