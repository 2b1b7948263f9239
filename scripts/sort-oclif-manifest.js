#!/usr/bin/env node
// `oclif manifest` lists commands in the order its directory walk happens to finish (tinyglobby
// reads sub-directories concurrently), so two builds of the same sources could write the
// commands in a different order. Sorting them by id makes the file the same bytes for the same
// sources. Run by `npm run build` right after `oclif manifest`; takes the file as its argument.
import {readFileSync, writeFileSync} from 'node:fs'

const file = process.argv[2] ?? 'oclif.manifest.json'
const manifest = JSON.parse(readFileSync(file, 'utf8'))
const ids = Object.keys(manifest.commands ?? {}).sort()
const commands = Object.fromEntries(ids.map((id) => [id, manifest.commands[id]]))
writeFileSync(file, `${JSON.stringify({...manifest, commands}, null, 2)}\n`)
