/**
 * What a dangerous action's confirmation says and does. Its own module so the shell and the
 * confirmation view both read it without importing each other.
 */
export interface ConfirmRequest {
  title: string
  lines: readonly string[]
  /** What pressing y does, e.g. "Rent it". */
  yes: string
  onYes(): void
}
