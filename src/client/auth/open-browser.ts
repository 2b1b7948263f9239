/**
 * Whether a browser can be opened here at all. On Linux that needs a display: over SSH or on a
 * server there is none, and `xdg-open` would fall back to a terminal browser or fail silently,
 * so the login takes the device flow instead.
 */
export function canOpenBrowser(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): boolean {
  if (platform === 'darwin' || platform === 'win32') return true
  return Boolean(env.DISPLAY || env.WAYLAND_DISPLAY)
}

/**
 * Opens the URL in the user's browser with the `open` package (loaded here only). Best effort:
 * the URL was printed already, and a failure to spawn the opener must not fail the login.
 */
export async function openBrowser(url: string): Promise<boolean> {
  try {
    const {default: open} = await import('open')
    const child = await open(url)
    child.once('error', () => {})
    child.unref()
    return true
  } catch {
    return false
  }
}
