import {readFile, readdir} from 'node:fs/promises'
import {join, relative} from 'node:path'

import {describe, expect, it} from 'vitest'

import {SCHEMAS_DIR, isCommandDataSchemaName, manifestCommands, schemaFiles} from '../scripts/json-schemas.js'
import {COMMAND_DATA_SCHEMAS} from '../src/cli/json-contract/command-data-schemas.js'

const RUN_SCHEMAS = 'run `npm run schemas` and commit what it writes'

async function checkedInFiles(): Promise<Map<string, string>> {
  const entries = await readdir(SCHEMAS_DIR, {recursive: true, withFileTypes: true})
  const files = new Map<string, string>()
  for (const entry of entries.filter((e) => e.isFile())) {
    const path = join(entry.parentPath, entry.name)
    files.set(relative(SCHEMAS_DIR, path), await readFile(path, 'utf8'))
  }
  return files
}

/**
 * schemas/ is what scripts rely on when they read `--json`: it must say what the code does now.
 * (That the real output follows it is test/e2e/json-contract-cli.test.ts.)
 */
describe('schemas/', () => {
  it('holds exactly what `npm run schemas` writes from the zod schemas and the daemon', async () => {
    // Given what the generator writes now, and what is checked in
    const expected = await schemaFiles()
    const actual = await checkedInFiles()

    // Then they are the same files with the same bytes
    expect([...actual.keys()].sort(), `schemas/ has other files than the generator writes: ${RUN_SCHEMAS}`).toEqual([...expected.keys()].sort())
    for (const [path, text] of expected) expect(actual.get(path), `schemas/${path} is out of date: ${RUN_SCHEMAS}`).toBe(text)
  }, 60_000)

  it('has a schema for every command, and every schema it can name serves a command', async () => {
    const commands = await manifestCommands()
    const undeclared = commands.filter((c) => !isCommandDataSchemaName(c.dataSchema)).map((c) => c.id)
    expect(undeclared, 'these commands declare no known `static override readonly dataSchema`').toEqual([])
    const used = new Set(commands.map((c) => c.dataSchema))
    expect(Object.keys(COMMAND_DATA_SCHEMAS).filter((name) => !used.has(name)), 'no command declares these schemas').toEqual([])
  })
})
