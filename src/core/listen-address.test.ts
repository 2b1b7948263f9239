import {describe, expect, it} from 'vitest'

import {insecureListenProblem, parseListenAddress} from './listen-address.js'

describe('serve --listen', () => {
  it('reads HOST:PORT, bracketed IPv6 and a bare :PORT on loopback', () => {
    expect(parseListenAddress('0.0.0.0:8443')).toEqual({host: '0.0.0.0', port: 8443})
    expect(parseListenAddress('[::1]:9000')).toEqual({host: '::1', port: 9000})
    expect(parseListenAddress(':0')).toEqual({host: '127.0.0.1', port: 0})
    expect(parseListenAddress('gpu.example.com:443')).toEqual({host: 'gpu.example.com', port: 443})
  })

  it('refuses what is not an address and a port', () => {
    for (const bad of ['8443', 'host:', 'host:99999', '::1:80', 'a b:80']) expect(parseListenAddress(bad)).toBeNull()
  })

  it('allows a non-loopback address only with TLS or behind a TLS proxy', () => {
    expect(insecureListenProblem('0.0.0.0', false, false)).toMatch(/clear text/)
    expect(insecureListenProblem('0.0.0.0', true, false)).toBeNull()
    expect(insecureListenProblem('10.0.0.5', false, true)).toBeNull()
    expect(insecureListenProblem('127.0.0.1', false, false)).toBeNull()
  })
})
