import ssh2, {type ClientChannel} from 'ssh2'

/** How to log in to the host in front of an instance (a self-hosted node). */
export interface JumpLogin {
  host: string
  port: number
  user: string
  privateKey: string | Buffer
  /** The jump host's key check: pinned as strictly as the instance's own. */
  acceptsHostKey: (key: Buffer) => boolean
  readyTimeoutMs: number
}

export interface JumpTunnel {
  /** The connection to the jump host: end it once the connection through it is over. */
  client: ssh2.Client
  /** A TCP channel from the jump host to the instance: the `sock` for the second SSH connection. */
  stream: ClientChannel
}

/** Logs in to the jump host and opens a channel from it to `to`; the message says which of the two failed. */
export function openJumpTunnel(jump: JumpLogin, to: {host: string; port: number}): Promise<JumpTunnel> {
  return new Promise((resolve, reject) => {
    const client = new ssh2.Client()
    // Kept after the tunnel is open: ssh2 throws an 'error' event that nobody listens to.
    client.on('error', (err) => reject(new Error(`ssh to the node ${jump.host}:${jump.port} failed: ${err.message}`)))
    client.on('ready', () => {
      client.forwardOut('127.0.0.1', 0, to.host, to.port, (err, stream) => {
        if (err) {
          client.end()
          reject(new Error(`the node ${jump.host} cannot reach ${to.host}:${to.port}: ${err.message}`))
        } else resolve({client, stream})
      })
    })
    try {
      client.connect({
        host: jump.host,
        port: jump.port,
        username: jump.user,
        privateKey: jump.privateKey,
        readyTimeout: jump.readyTimeoutMs,
        hostVerifier: jump.acceptsHostKey,
      })
    } catch (err) {
      reject(new Error(`ssh to the node ${jump.host}:${jump.port} failed: ${err instanceof Error ? err.message : String(err)}`))
    }
  })
}
