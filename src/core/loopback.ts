/**
 * Whether a host names this machine's loopback interface and nothing else: `localhost`, an
 * IPv4 literal in 127.0.0.0/8 or `::1` (bracketed or not, as in a URL or a Host header).
 * Only literals count: a DNS name such as `127.0.0.1.nip.io` resolves wherever its owner
 * says, so the daemon binding it, serving it or dropping auth for it would trust a stranger.
 * The CLI's `daemon start`, the daemon's entry point and its Host-header check all ask this.
 */
export function isLoopbackHost(host: string): boolean {
  const name = host.trim().toLowerCase()
  if (name === 'localhost' || name === '::1' || name === '[::1]') return true
  const octets = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(name)
  return octets !== null && octets.slice(1).every((o) => Number(o) <= 255)
}

/** A Host header's name without its port (`127.0.0.1:8080`, `[::1]:8080`, `localhost`). */
export function hostHeaderName(header: string): string {
  const value = header.trim()
  if (value.startsWith('[')) return value.slice(0, value.indexOf(']') + 1 || undefined)
  return value.replace(/:\d*$/, '')
}
