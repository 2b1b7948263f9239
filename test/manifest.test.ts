import {existsSync, readFileSync, readdirSync, statSync} from 'node:fs'
import {join, relative, sep} from 'node:path'

import {describe, expect, it} from 'vitest'

import {REPO_ROOT} from './support/cli.js'

/** `commands/sessions/index.ts` → `sessions`, `commands/daemon/start.ts` → `daemon:start`, as oclif names them. */
function commandIdsOnDisk(dir: string): string[] {
  const ids: string[] = []
  const walk = (current: string) => {
    for (const name of readdirSync(current)) {
      const path = join(current, name)
      if (statSync(path).isDirectory()) walk(path)
      else if (name.endsWith('.ts') && !name.endsWith('.test.ts') && !name.endsWith('.d.ts')) {
        const parts = relative(dir, path).replace(/\.ts$/, '').split(sep)
        if (parts.at(-1) === 'index') parts.pop()
        ids.push(parts.join(':'))
      }
    }
  }
  walk(dir)
  return ids.sort()
}

describe('oclif.manifest.json', () => {
  const manifestFile = join(REPO_ROOT, 'oclif.manifest.json')

  it('lists exactly the command files on disk (run `npm run build` when this fails)', () => {
    // Given the manifest written by `oclif manifest` at build time
    expect(existsSync(manifestFile), 'oclif.manifest.json is missing: run `npm run build`').toBe(true)
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as {commands: Record<string, unknown>}

    // Then its commands are the files under commands/, no more, no fewer: a stale manifest
    // would hide a new command or make oclif import every command on each run
    expect(Object.keys(manifest.commands).sort()).toEqual(commandIdsOnDisk(join(REPO_ROOT, 'commands')))
  })

  it('gives every command a summary and the --json flag', () => {
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as {
      commands: Record<string, {summary?: string; flags: Record<string, unknown>}>
    }
    for (const [id, command] of Object.entries(manifest.commands)) {
      expect(command.summary, `${id} has no summary`).toBeTruthy()
      expect(command.flags, `${id} lacks --json`).toHaveProperty('json')
    }
  })
})
