import {z} from 'zod'

/** A single-use, short-lived ticket for the browser terminal of one running session. */
export const TerminalTokenReply = z.object({
  token: z.string(),
  /** WebSocket that relays a PTY shell on the instance; the token goes in its query string. */
  ws_url: z.string(),
  /** The daemon's terminal page for this token (xterm.js, served locally). */
  page_url: z.string(),
  expires_in: z.number().int(),
  session_id: z.string(),
})
export type TerminalTokenReply = z.infer<typeof TerminalTokenReply>
