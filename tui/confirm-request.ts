/**
 * What a dangerous action's confirmation says. A screen only describes it: the dispatcher
 * (app.tsx) shows it and runs the action on y alone, so no key can rent or end a machine
 * without this step. Its own module so the shell and the view both read it without importing
 * each other.
 */
export interface ConfirmRequest {
  title: string
  lines: readonly string[]
  /** What pressing y does, e.g. "release it". */
  yes: string
  /** What any other key does; "cancel" unless said. */
  no?: string
}
