// `npm run schemas`: rewrites schemas/ from the zod schemas and the daemon (see json-schemas.ts),
// removing files no command has any more. Needs a fresh build: the commands come from its manifest.
import {mkdir, readdir, rm, writeFile} from 'node:fs/promises'
import {dirname, join, relative} from 'node:path'

import {SCHEMAS_DIR, schemaFiles} from './json-schemas.js'

const files = await schemaFiles()
const existing = await readdir(SCHEMAS_DIR, {recursive: true, withFileTypes: true}).catch(() => [])
for (const entry of existing) {
  const path = relative(SCHEMAS_DIR, join(entry.parentPath, entry.name))
  if (entry.isFile() && !files.has(path)) await rm(join(SCHEMAS_DIR, path))
}
for (const [path, text] of files) {
  await mkdir(dirname(join(SCHEMAS_DIR, path)), {recursive: true})
  await writeFile(join(SCHEMAS_DIR, path), text)
}
process.stdout.write(`Wrote ${files.size} files to ${relative(process.cwd(), SCHEMAS_DIR) || '.'}/\n`)
