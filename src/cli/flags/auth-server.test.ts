import {describe, expect, it} from 'vitest'

import {authServer} from './auth-server.js'

describe('the server an auth command is about', () => {
  it('is --server, else GPU_SHOPPER_SERVER, in one spelling whatever the trailing slash', () => {
    expect(authServer('https://gpus.example/', {})).toBe('https://gpus.example')
    expect(authServer(undefined, {GPU_SHOPPER_SERVER: 'https://gpus.example'})).toBe('https://gpus.example')
    expect(authServer('https://a.example', {GPU_SHOPPER_SERVER: 'https://b.example'})).toBe('https://a.example')
    expect(authServer('https://gpus.example/team/', {})).toBe('https://gpus.example/team')
  })

  it('is required, and must be an http(s) URL', () => {
    expect(() => authServer(undefined, {})).toThrow(/--server is required: logins are for a team server/)
    expect(() => authServer('gpus.example', {})).toThrow(/--server must be an http\(s\) URL, got "gpus.example"/)
    expect(() => authServer('ftp://gpus.example', {})).toThrow(/must be an http\(s\) URL/)
  })
})
