/**
 * The contract between the daemon and its CLI: what the daemon writes to `<state>/daemon.json`
 * (mode 0600, it holds the bearer token) after `listen()`, and removes on a clean exit.
 */
export interface DaemonState {
  pid: number
  url: string
  host: string
  port: number
  /** Bearer token for every `/api/v1` call; null when started with `--no-auth`. */
  token: string | null
  version: string
  deployment_id: string
  simulated: boolean
  auth: boolean
  started_at: string
}
