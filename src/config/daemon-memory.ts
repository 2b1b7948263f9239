/**
 * How the C allocator of a daemon process is set up, given in its environment (glibc reads it
 * at start; other C libraries ignore it). A market refresh streams ~130 MB through the socket
 * in 64 KiB reads; glibc kept those freed blocks in its heap, fragmented, and a daemon stayed
 * ~35 MiB larger after every refresh of a 100k-offer market. With blocks of 64 KiB and more
 * mapped on their own, each goes back to the system when freed. A value the user set wins.
 */
export function withDaemonAllocator(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return {MALLOC_MMAP_THRESHOLD_: String(64 * 1024), ...env}
}

/**
 * V8 flags of a daemon process. Its young generation is capped at 8 MB a half instead of 16:
 * what the daemon allocates per request and per refresh chunk dies young either way, and the
 * smaller space keeps ~12 MiB less resident with a 100k-offer market loaded (~40 MiB less at the
 * refresh's peak). Scavenging more often cost ~20% of the inventory's throughput while each reply
 * was serialised anew; with remembered pages sent as kept bytes, no cost was measurable.
 */
export const DAEMON_V8_FLAGS: readonly string[] = ['--max-semi-space-size=8']
