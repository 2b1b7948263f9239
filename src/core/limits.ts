/**
 * What one request may ask for. The API's zod contracts enforce these; the commands' flags and
 * their help, and the TUI's forms, check and show the same numbers before calling, so a typo
 * fails at once with the range the daemon would give. Plain values: the CLI loads them without zod.
 */

/** A reservation is whole hours; a session never runs past the maximum unless it has the override. */
export const MIN_RESERVATION_HOURS = 1
export const MAX_RESERVATION_HOURS = 12
/** What the CLI and the TUI reserve when not told: the least, extended as needed. */
export const DEFAULT_RESERVATION_HOURS = 1

/** A session's disk, chosen at create: it cannot be changed later. */
export const MIN_DISK_GB = 10
export const DEFAULT_DISK_GB = 50
export const MAX_DISK_GB = 10_000

/** Minutes without GPU activity before a session is released (0: never); at most a day. */
export const MAX_IDLE_THRESHOLD_MINUTES = 24 * 60

/** GPUs one offer filter or allocation may ask for. */
export const MAX_GPU_COUNT = 64
/** USD per hour for a whole offer, as a filter's ceiling. */
export const MAX_PRICE_USD_PER_HOUR = 10_000
/** GB of GPU memory a filter may ask for. */
export const MAX_VRAM_GB = 10_000

/** Registered SSH keys one create may name. */
export const MAX_SSH_KEY_IDS = 20
/** One OpenSSH public key line. */
export const MAX_SSH_PUBLIC_KEY_LENGTH = 16_384

/** USD per calendar month one budget may allow. */
export const MAX_MONTHLY_LIMIT_USD = 10_000_000

/** Rows in one page of sessions or offers. */
export const MAX_PAGE_SIZE = 1000
/** Points in one price history. */
export const MAX_PRICE_HISTORY_POINTS = 5000

/**
 * A consumer id, wherever one arrives (a create body, a filter, a path): letters, digits and
 * `. _ - @ :`, so a login name or an email address works as one.
 */
export const CONSUMER_ID_MAX_LENGTH = 200
export const CONSUMER_ID_PATTERN = /^[\w.@:-]+$/

/** Whether the API takes `id` as a consumer id as it stands (it trims first; callers here do not). */
export function isConsumerId(id: string): boolean {
  return id.length <= CONSUMER_ID_MAX_LENGTH && CONSUMER_ID_PATTERN.test(id)
}

/** CPU-only slices one node may run at once. */
export const MAX_CPU_SLICES = 64
