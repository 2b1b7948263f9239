import {readFileSync} from 'node:fs'
import {createRequire} from 'node:module'

import {TERMINAL_PAGE_SCRIPT} from './page.js'

export interface TerminalAsset {
  contentType: string
  body: string | Buffer
}

const require = createRequire(import.meta.url)

/**
 * The only files under /terminal/assets/: a fixed list, so no request path ever reaches the
 * file system. xterm.js comes from the installed npm packages (no CDN, works offline).
 */
const SOURCES: Record<string, {contentType: string; load: () => string | Buffer}> = {
  'xterm.js': {contentType: 'text/javascript; charset=utf-8', load: () => readFileSync(require.resolve('@xterm/xterm/lib/xterm.js'))},
  'xterm.css': {contentType: 'text/css; charset=utf-8', load: () => readFileSync(require.resolve('@xterm/xterm/css/xterm.css'))},
  'addon-fit.js': {contentType: 'text/javascript; charset=utf-8', load: () => readFileSync(require.resolve('@xterm/addon-fit/lib/addon-fit.js'))},
  'terminal-page.js': {contentType: 'text/javascript; charset=utf-8', load: () => TERMINAL_PAGE_SCRIPT},
}

const cache = new Map<string, TerminalAsset>()

/** The asset of that name, read once and kept (a few hundred KiB); null for anything else. */
export function terminalAsset(name: string): TerminalAsset | null {
  if (!Object.hasOwn(SOURCES, name)) return null
  let asset = cache.get(name)
  if (!asset) {
    const source = SOURCES[name]!
    asset = {contentType: source.contentType, body: source.load()}
    cache.set(name, asset)
  }
  return asset
}
