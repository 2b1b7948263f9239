// CLI start-up against bare Node: `--version` should stay under 2x and `sessions --json`
// (a real HTTP round trip to a running daemon) under 3x the time of `node -e 0`.
import {execFileSync, spawnSync} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

if (spawnSync('hyperfine', ['--version']).status !== 0) {
  console.error('hyperfine is not installed: apt-get install -y hyperfine')
  process.exit(2)
}

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const cli = join(root, 'bin', 'run.js')
const env = {...process.env}
const out = mkdtempSync(join(tmpdir(), 'gpu-shopper-hyperfine-'))

execFileSync(process.execPath, [cli, 'daemon', 'start', '--simulate', '--port', '0'], {env, stdio: 'inherit'})
try {
  const json = join(out, 'startup.json')
  const node = process.execPath
  const result = spawnSync(
    'hyperfine',
    ['--warmup', '3', '--runs', '20', '--export-json', json, '-N',
      `${node} -e 0`, `${node} ${cli} --version`, `${node} ${cli} sessions --json`],
    {env, stdio: 'inherit'},
  )
  if (result.status !== 0) process.exit(result.status ?? 1)
  const [bare, version, sessions] = JSON.parse(readFileSync(json, 'utf8')).results.map((r) => r.mean)
  const report = (name, t, limit) =>
    console.log(`${name.padEnd(22)} ${(t * 1000).toFixed(1).padStart(7)} ms  ${(t / bare).toFixed(2)}x node -e 0  (target < ${limit}x) ${t / bare < limit ? 'OK' : 'OVER'}`)
  console.log(`${'node -e 0'.padEnd(22)} ${(bare * 1000).toFixed(1).padStart(7)} ms`)
  report('--version', version, 2)
  report('sessions --json', sessions, 3)
} finally {
  execFileSync(process.execPath, [cli, 'daemon', 'stop'], {env, stdio: 'inherit'})
  rmSync(out, {recursive: true, force: true})
}
