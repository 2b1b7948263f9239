import {existsSync, readdirSync, readFileSync} from 'node:fs'
import {dirname, join, relative, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'

import {describe, expect, it} from 'vitest'

const TUI = dirname(fileURLToPath(import.meta.url))

/** Every module under tui/ and the tui/ modules it imports (type imports too: they tie files as tightly). */
function importGraph(): Map<string, string[]> {
  const files = readdirSync(TUI, {recursive: true, encoding: 'utf8'})
    .filter((f) => /\.tsx?$/.test(f) && !/\.test\.tsx?$/.test(f))
    .map((f) => join(TUI, f))
  const graph = new Map<string, string[]>()
  for (const file of files) {
    const source = readFileSync(file, 'utf8')
    const specifiers = [...source.matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/gm)].map((m) => m[1] ?? m[2]!)
    const targets = specifiers
      .map((spec) => resolve(dirname(file), spec).replace(/\.js$/, ''))
      .map((base) => [`${base}.ts`, `${base}.tsx`].find((candidate) => existsSync(candidate)))
      .filter((target): target is string => target !== undefined && target.startsWith(TUI))
    graph.set(file, targets)
  }
  return graph
}

function cycles(graph: Map<string, string[]>): string[] {
  const found: string[] = []
  const state = new Map<string, 'open' | 'done'>()
  const path: string[] = []
  const visit = (file: string) => {
    state.set(file, 'open')
    path.push(file)
    for (const next of graph.get(file) ?? []) {
      if (state.get(next) === 'open') found.push([...path.slice(path.indexOf(next)), next].map((f) => relative(TUI, f)).join(' -> '))
      else if (!state.has(next)) visit(next)
    }
    path.pop()
    state.set(file, 'done')
  }
  for (const file of graph.keys()) if (!state.has(file)) visit(file)
  return found
}

describe('tui imports', () => {
  it('form no cycle: a module never needs itself to load', () => {
    const graph = importGraph()
    // The graph is read, not empty: the dashboard imports its screens.
    expect(graph.get(join(TUI, 'app.tsx'))).toContain(join(TUI, 'screens/sessions-screen.tsx'))
    expect(cycles(graph)).toEqual([])
  })
})
