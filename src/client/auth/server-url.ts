/**
 * The one spelling of a team server's URL: credentials are stored under it, so
 * `--server https://team.example/` and `--server https://team.example` must find the same ones.
 * Returns null for text that is not an http(s) URL.
 */
export function normalizeServerUrl(server: string): string | null {
  let url: URL
  try {
    url = new URL(server)
  } catch {
    return null
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null
  return url.toString().replace(/\/+$/, '')
}
