import {describe, expect, it} from 'vitest'

import {hostHeaderName, isLoopbackHost} from './loopback.js'

describe('isLoopbackHost', () => {
  it('accepts loopback literals and localhost', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', '127.255.255.255', 'localhost', 'LOCALHOST', '::1', '[::1]']) expect(isLoopbackHost(host), host).toBe(true)
  })

  it('refuses DNS names that merely start like a loopback address, and everything else', () => {
    for (const host of ['127.0.0.1.nip.io', '127.0.0.1.', 'localhost.evil.example', '127.0.0.256', '127.0.0', '0.0.0.0', '10.0.0.1', '::', '', 'evil.example']) {
      expect(isLoopbackHost(host), host).toBe(false)
    }
  })
})

describe('hostHeaderName', () => {
  it('drops the port of names, IPv4 and bracketed IPv6', () => {
    expect(hostHeaderName('127.0.0.1:8080')).toBe('127.0.0.1')
    expect(hostHeaderName('localhost')).toBe('localhost')
    expect(hostHeaderName('[::1]:8080')).toBe('[::1]')
    expect(hostHeaderName('127.0.0.1.nip.io:8080')).toBe('127.0.0.1.nip.io')
  })
})
