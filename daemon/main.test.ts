import {spawn} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterEach, beforeEach, describe, expect, it} from 'vitest'

/** The daemon's process entry (daemon/main.ts from source), as the CLI starts it. */
describe('daemon entry point', () => {
  let home: string
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'gpu-shopper-main-'))
  })
  afterEach(() => rmSync(home, {recursive: true, force: true}))

  function runMain(args: string[]): Promise<{code: number | null; stderr: string}> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'main.ts'), ...args], {
        env: {...process.env, GPU_SHOPPER_HOME: home},
        stdio: ['ignore', 'ignore', 'pipe'],
      })
      let stderr = ''
      child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d))
      const killer = setTimeout(() => child.kill('SIGKILL'), 30_000)
      child.on('error', reject)
      child.on('close', (code) => {
        clearTimeout(killer)
        resolve({code, stderr})
      })
    })
  }

  it('refuses --no-auth on a DNS name that only looks like loopback, as the CLI does', async () => {
    const {code, stderr} = await runMain(['--no-auth', '--host', '127.0.0.1.nip.io', '--port', '0'])
    expect(stderr).toContain('--no-auth is only allowed on a loopback address')
    expect(code).toBe(2)
  })
})
