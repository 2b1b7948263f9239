/**
 * Opens a URL in the user's browser, best effort: on a headless machine (no DISPLAY) or
 * without xdg-open it does nothing, and the caller has printed the URL already.
 */
export async function openInBrowser(url: string, env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  if (process.platform === 'linux' && !env.DISPLAY && !env.WAYLAND_DISPLAY) return false
  const opener = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open'
  try {
    const {execa} = await import('execa')
    const child = execa(opener, [url], {detached: true, stdio: 'ignore', reject: false})
    // The browser outlives us; an opener that is missing or fails must not fail the command.
    child.catch(() => undefined)
    child.unref()
    return true
  } catch {
    return false
  }
}
