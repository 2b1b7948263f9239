/**
 * The one keymap. Input handling, the hint bar and the help screen all read this table, so a
 * key cannot do one thing and be documented as another. Dangerous actions (they rent or end a
 * paid machine) are flagged here, and the flag alone is what puts them behind a confirmation:
 * the dispatcher (app.tsx) never hands such a key to a screen's key handler, only asks the
 * screen what to confirm and runs it on y.
 */
export const SCREENS = ['inventory', 'sessions', 'costs'] as const
export type ScreenId = (typeof SCREENS)[number]

export const SCREEN_TITLES: Record<ScreenId, string> = {inventory: 'Inventory', sessions: 'Sessions', costs: 'Costs'}

export type ActionId =
  | 'quit'
  | 'help'
  | 'command'
  | 'screen.inventory'
  | 'screen.sessions'
  | 'screen.costs'
  | 'screen.next'
  | 'filter'
  | 'back'
  | 'up'
  | 'down'
  | 'pageUp'
  | 'pageDown'
  | 'top'
  | 'bottom'
  | 'refresh'
  | 'sort.gpu'
  | 'sort.count'
  | 'sort.vram'
  | 'sort.price'
  | 'sort.price_per_gpu'
  | 'sort.provider'
  | 'sort.location'
  | 'sort.reliability'
  | 'sort.age'
  | 'quick.vram'
  | 'quick.price'
  | 'quick.gpus'
  | 'quick.clear'
  | 'provision'
  | 'connect'
  | 'extend'
  | 'done'
  | 'shutdown'
  | 'resume'
  | 'copySsh'
  | 'toggleEnded'

export type Scope = 'global' | 'list' | ScreenId

export interface Binding {
  action: ActionId
  /** Chords as typed: a character ('p', 'P', '/'), a named key ('up', 'pagedown', 'enter'), or 'ctrl+k'. */
  keys: readonly string[]
  scope: Scope
  /** The hint bar's word; bindings without one appear only in the help screen. */
  hint?: string
  description: string
  /** Rents or ends a paid machine: confirmed by the dispatcher before anything is sent. */
  dangerous?: boolean
}

export const KEYMAP: readonly Binding[] = [
  {action: 'help', keys: ['?'], scope: 'global', hint: 'help', description: 'Show every key'},
  {action: 'command', keys: [':'], scope: 'global', hint: 'jump', description: 'Jump to a screen: :inventory, :sessions, :costs, :quit'},
  {action: 'quit', keys: ['q', 'ctrl+c'], scope: 'global', hint: 'quit', description: 'Quit (paid sessions keep running; end them with d)'},
  {action: 'screen.inventory', keys: ['1'], scope: 'global', description: 'Inventory screen'},
  {action: 'screen.sessions', keys: ['2'], scope: 'global', description: 'Sessions screen'},
  {action: 'screen.costs', keys: ['3'], scope: 'global', description: 'Costs screen'},
  {action: 'screen.next', keys: ['tab'], scope: 'global', description: 'Next screen'},
  {action: 'refresh', keys: ['r'], scope: 'global', description: 'Reload this screen now'},

  {action: 'filter', keys: ['/'], scope: 'list', hint: 'filter', description: 'Filter as you type (words match GPU, location, provider); Enter keeps it, Esc clears it'},
  {action: 'back', keys: ['escape'], scope: 'list', description: 'Clear the filter'},
  {action: 'up', keys: ['up', 'k'], scope: 'list', description: 'Move up'},
  {action: 'down', keys: ['down', 'j'], scope: 'list', description: 'Move down'},
  {action: 'pageUp', keys: ['pageup', 'ctrl+b'], scope: 'list', description: 'Page up'},
  {action: 'pageDown', keys: ['pagedown', 'ctrl+f', 'space'], scope: 'list', description: 'Page down'},
  {action: 'top', keys: ['home', 'g'], scope: 'list', description: 'First row'},
  {action: 'bottom', keys: ['end', 'G'], scope: 'list', description: 'Last row'},

  {action: 'provision', keys: ['p'], scope: 'inventory', hint: 'provision', description: 'Rent the selected offer (form, then a confirmation with the expected cost)', dangerous: true},
  {action: 'sort.price', keys: ['P'], scope: 'inventory', hint: 'sort', description: 'Sort by $/h (again: reverse)'},
  {action: 'sort.price_per_gpu', keys: ['U'], scope: 'inventory', description: 'Sort by $/GPU/h'},
  {action: 'sort.gpu', keys: ['N'], scope: 'inventory', description: 'Sort by GPU model'},
  {action: 'sort.count', keys: ['C'], scope: 'inventory', description: 'Sort by GPU count'},
  {action: 'sort.vram', keys: ['V'], scope: 'inventory', description: 'Sort by VRAM'},
  {action: 'sort.provider', keys: ['O'], scope: 'inventory', description: 'Sort by provider'},
  {action: 'sort.location', keys: ['L'], scope: 'inventory', description: 'Sort by location'},
  {action: 'sort.reliability', keys: ['R'], scope: 'inventory', description: 'Sort by reliability'},
  {action: 'sort.age', keys: ['A'], scope: 'inventory', description: 'Sort by when the offer was seen'},
  {action: 'quick.vram', keys: ['v'], scope: 'inventory', hint: 'vram≥', description: 'Quick filter: minimum VRAM (GB)'},
  {action: 'quick.price', keys: ['m'], scope: 'inventory', hint: '$/h≤', description: 'Quick filter: maximum $/h'},
  {action: 'quick.gpus', keys: ['n'], scope: 'inventory', hint: 'gpus≥', description: 'Quick filter: minimum GPU count'},
  {action: 'quick.clear', keys: ['x'], scope: 'inventory', description: 'Clear the quick filters'},

  {action: 'connect', keys: ['c', 'enter'], scope: 'sessions', hint: 'connect', description: 'SSH into the selected session (the dashboard comes back when ssh exits)'},
  {action: 'copySsh', keys: ['y'], scope: 'sessions', hint: 'copy ssh', description: 'Copy the ssh command (to the clipboard by OSC 52, and shown)'},
  {action: 'extend', keys: ['e'], scope: 'sessions', hint: 'extend', description: 'Reserve more hours'},
  {action: 'done', keys: ['d'], scope: 'sessions', hint: 'done', description: 'Release: destroy the instance, verify it is gone, close its costs', dangerous: true},
  {action: 'shutdown', keys: ['ctrl+k'], scope: 'sessions', hint: 'kill', description: 'Force shutdown now', dangerous: true},
  {
    action: 'resume',
    keys: ['s'],
    scope: 'sessions',
    hint: 'resume',
    description: 'Start a preserved session again (its disk was kept): SSH is verified anew, its workload starts again, compute bills again',
    dangerous: true,
  },
  {action: 'toggleEnded', keys: ['a'], scope: 'sessions', hint: 'all', description: 'Show or hide ended sessions'},
]

/** What Ink's useInput reports for a keystroke (the fields the keymap reads). */
export interface KeyPress {
  upArrow?: boolean
  downArrow?: boolean
  leftArrow?: boolean
  rightArrow?: boolean
  pageUp?: boolean
  pageDown?: boolean
  home?: boolean
  end?: boolean
  return?: boolean
  escape?: boolean
  tab?: boolean
  backspace?: boolean
  delete?: boolean
  ctrl?: boolean
  meta?: boolean
  shift?: boolean
}

const NAMED: Record<string, keyof KeyPress> = {
  up: 'upArrow',
  down: 'downArrow',
  left: 'leftArrow',
  right: 'rightArrow',
  pageup: 'pageUp',
  pagedown: 'pageDown',
  home: 'home',
  end: 'end',
  enter: 'return',
  escape: 'escape',
  tab: 'tab',
}

export function chordMatches(chord: string, input: string, key: KeyPress): boolean {
  if (chord.startsWith('ctrl+')) return Boolean(key.ctrl) && input.toLowerCase() === chord.slice(5)
  const named = NAMED[chord]
  if (named) return Boolean(key[named]) && !(chord === 'tab' && key.shift)
  if (chord === 'space') return input === ' ' && !key.ctrl
  return input === chord && !key.ctrl && !key.meta
}

/** The scopes a screen listens to, most specific first. */
export function scopesOf(screen: ScreenId): readonly Scope[] {
  return screen === 'costs' ? [screen, 'global'] : [screen, 'list', 'global']
}

/** The action a keystroke means on this screen, if any. */
export function actionFor(screen: ScreenId, input: string, key: KeyPress): Binding | undefined {
  for (const scope of scopesOf(screen)) {
    const binding = KEYMAP.find((b) => b.scope === scope && b.keys.some((chord) => chordMatches(chord, input, key)))
    if (binding) return binding
  }
  return undefined
}

/** "p" → "p", "ctrl+k" → "^k", "pagedown" → "pgdn": how a chord is printed. */
export function chordLabel(chord: string): string {
  if (chord.startsWith('ctrl+')) return `^${chord.slice(5)}`
  return ({up: '↑', down: '↓', pageup: 'pgup', pagedown: 'pgdn', enter: '⏎', escape: 'esc', space: 'space'} as Record<string, string>)[chord] ?? chord
}

/** The hint bar for a screen: its own actions first, then the global ones. */
export function hintsFor(screen: ScreenId): Array<{keys: string; hint: string; dangerous: boolean}> {
  return scopesOf(screen)
    .flatMap((scope) => KEYMAP.filter((b) => b.scope === scope && b.hint))
    .map((b) => ({keys: b.action.startsWith('sort.') ? sortChords() : chordLabel(b.keys[0]!), hint: b.hint!, dangerous: Boolean(b.dangerous)}))
}

/** Every sort key, for the one "sort" hint that stands for them all. */
function sortChords(): string {
  return KEYMAP.filter((b) => b.action.startsWith('sort.')).map((b) => chordLabel(b.keys[0]!)).join(' ')
}

/** The help screen's sections, every binding once. */
export function helpSections(screen: ScreenId): Array<{title: string; rows: Array<{keys: string; description: string; dangerous: boolean}>}> {
  const title = (scope: Scope) => (scope === 'global' ? 'Everywhere' : scope === 'list' ? 'Lists' : SCREEN_TITLES[scope])
  return scopesOf(screen).map((scope) => ({
    title: title(scope),
    rows: KEYMAP.filter((b) => b.scope === scope).map((b) => ({keys: b.keys.map(chordLabel).join(' '), description: b.description, dangerous: Boolean(b.dangerous)})),
  }))
}

/** `:` commands: a screen or quit, by any unambiguous prefix of their names. */
const JUMPS: Array<{names: readonly string[]; target: ScreenId | 'quit' | 'help'}> = [
  {names: ['inventory', 'offers', 'market'], target: 'inventory'},
  {names: ['sessions', 'allocations'], target: 'sessions'},
  {names: ['costs', 'budgets', 'money'], target: 'costs'},
  {names: ['help'], target: 'help'},
  {names: ['quit', 'exit'], target: 'quit'},
]

export function resolveJump(text: string): ScreenId | 'quit' | 'help' | undefined {
  const word = text.trim().toLowerCase()
  if (!word) return undefined
  if (word === 'q' || word === 'q!') return 'quit'
  const hits = new Set(JUMPS.filter((j) => j.names.some((n) => n.startsWith(word))).map((j) => j.target))
  return hits.size === 1 ? [...hits][0] : undefined
}

export function jumpSuggestions(text: string): string[] {
  const word = text.trim().toLowerCase()
  return JUMPS.flatMap((j) => j.names.filter((n) => n.startsWith(word)))
}
