import {connect} from 'node:net'

/**
 * What a TCP client meets at a loopback port, for tests of published ports and forwards:
 * `refused` when nothing listens, `closed` when a listener takes the connection and closes it
 * without a byte (Docker's proxy with nothing behind it), `open` when it stays up (something serves).
 */
export function probePort(port: number, host = '127.0.0.1', settleMs = 300): Promise<'refused' | 'closed' | 'open'> {
  return new Promise((resolve) => {
    const socket = connect({port, host})
    let connected = false
    // Real time on purpose: how long to watch a connection that stays open, not the simulator's clock.
    const timer = setTimeout(() => {
      socket.destroy()
      resolve('open')
    }, settleMs)
    socket.on('connect', () => (connected = true))
    socket.on('data', () => undefined)
    socket.on('error', () => undefined)
    socket.on('close', () => {
      clearTimeout(timer)
      resolve(connected ? 'closed' : 'refused')
    })
  })
}
