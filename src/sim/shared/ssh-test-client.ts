import ssh2, {Client} from 'ssh2'

import {generateSessionKeyPair, sshFingerprint, type SshKeyPair} from '../../ssh/keys.js'

/**
 * A real SSH client for tests of a simulated machine's sshd. Host keys are not checked on
 * login: each test trusts the simulator it started (`hostKeyFingerprint` is for the tests
 * about host keys).
 */

/** ssh2's keygen makes an unloadable ed25519 key about 1 time in 128: take one that parses. */
export function loadableKeyPair(comment: string): SshKeyPair {
  for (;;) {
    const pair = generateSessionKeyPair(comment)
    if (!(ssh2.utils.parseKey(pair.publicKey) instanceof Error) && !(ssh2.utils.parseKey(pair.privateKey) instanceof Error)) return pair
  }
}

export function connectSsh(host: string, port: number, username: string, privateKey: string): Promise<Client> {
  return new Promise((resolve, reject) => {
    const client = new Client()
    client.on('ready', () => resolve(client))
    client.on('error', reject)
    client.connect({host, port, username, privateKey, readyTimeout: 5000, hostVerifier: () => true})
  })
}

/** The SHA256 fingerprint of the host key the server at host:port presents (no login needed). */
export function hostKeyFingerprint(host: string, port: number, privateKey: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const client = new Client()
    let seen: string | null = null
    client.on('error', () => (seen ? resolve(seen) : reject(new Error('no host key seen'))))
    client.on('ready', () => {
      client.end()
      if (seen) resolve(seen)
    })
    const hostVerifier = (blob: Buffer) => {
      seen = sshFingerprint(blob)
      return true
    }
    client.connect({host, port, username: 'nobody', privateKey, readyTimeout: 5000, hostVerifier})
  })
}

/** Runs one command as `ssh host 'command'` does: what it printed, and its exit code. */
export function execSsh(client: Client, command: string): Promise<{stdout: string; stderr: string; code: number | null}> {
  return new Promise((resolve, reject) => {
    client.exec(command, (error, stream) => {
      if (error) return reject(error)
      let stdout = ''
      let stderr = ''
      let code: number | null = null
      stream.on('data', (d: Buffer) => (stdout += d.toString('utf8')))
      stream.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')))
      stream.on('exit', (c: number) => (code = c))
      stream.on('close', () => resolve({stdout, stderr, code}))
    })
  })
}

/**
 * Opens a `direct-tcpip` channel as `ssh -L` does, sends `request` through it and returns all
 * that comes back until the far end closes (an HTTP/1.0 request, or nothing to read a banner).
 */
export function forwardThrough(client: Client, host: string, port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    client.forwardOut('127.0.0.1', 0, host, port, (error, stream) => {
      if (error) return reject(error)
      let received = ''
      stream.on('data', (d: Buffer) => {
        received += d.toString('utf8')
        // A banner is all a raw TCP service says first: enough to know what answered.
        if (request === '' && received.includes('\n')) stream.close()
      })
      stream.on('close', () => resolve(received))
      if (request !== '') stream.end(request)
    })
  })
}
