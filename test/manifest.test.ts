import {execFileSync} from 'node:child_process'
import {existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
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

describe('oclif.manifest.json generation', () => {
  it('is a build output: ignored by git, so a build never leaves the tree dirty', () => {
    // `npm ci && npm run demo` on a fresh clone builds it; nothing reads it from git
    const tracked = execFileSync('git', ['ls-files', 'oclif.manifest.json'], {cwd: REPO_ROOT, encoding: 'utf8'})
    expect(tracked).toBe('')
    expect(() => execFileSync('git', ['check-ignore', '-q', 'oclif.manifest.json'], {cwd: REPO_ROOT})).not.toThrow()
  })

  it('is written with its commands sorted by id, the same bytes however the directory walk went', () => {
    // Given two manifests whose commands came out of `oclif manifest` in different orders
    const dir = mkdtempSync(join(tmpdir(), 'gpu-shopper-manifest-'))
    try {
      const command = (id: string) => ({id, flags: {json: {name: 'json'}}, relativePath: ['dist', 'commands', ...id.split(':')]})
      const write = (name: string, ids: string[]) => {
        const file = join(dir, name)
        writeFileSync(file, JSON.stringify({commands: Object.fromEntries(ids.map((id) => [id, command(id)])), version: '0.1.0'}))
        return file
      }
      const one = write('one.json', ['tui', 'sessions:get', 'costs', 'allocations:create', 'costs:export'])
      const two = write('two.json', ['costs:export', 'allocations:create', 'tui', 'costs', 'sessions:get'])

      // When the build's step sorts each of them
      const sort = (file: string) => execFileSync(process.execPath, [join(REPO_ROOT, 'scripts', 'sort-oclif-manifest.js'), file])
      sort(one)
      sort(two)

      // Then both are the same bytes, commands in id order, and sorting again changes nothing
      const first = readFileSync(one, 'utf8')
      expect(readFileSync(two, 'utf8')).toBe(first)
      expect(Object.keys(JSON.parse(first).commands)).toEqual(['allocations:create', 'costs', 'costs:export', 'sessions:get', 'tui'])
      sort(one)
      expect(readFileSync(one, 'utf8')).toBe(first)
    } finally {
      rmSync(dir, {recursive: true, force: true})
    }
  })

  it('is sorted by `npm run build`', () => {
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {scripts: Record<string, string>}
    expect(pkg.scripts.build).toMatch(/oclif manifest && node scripts\/sort-oclif-manifest\.js/)
  })
})
