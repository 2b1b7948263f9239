import {describe, expect, it} from 'vitest'

import {toAuthConfig} from './auth-config.js'

describe('the server\'s /auth/config', () => {
  it('names the issuer, client and audience of a team server', () => {
    const body = {mode: 'oidc', issuer: 'https://idp.example', client_id: 'gpu-shopper-cli', audience: 'https://gpus.example/api', scopes: ['openid', 'offline_access']}
    expect(toAuthConfig('https://gpus.example', body)).toEqual({
      mode: 'oidc',
      issuer: 'https://idp.example',
      clientId: 'gpu-shopper-cli',
      audience: 'https://gpus.example/api',
      scopes: ['openid', 'offline_access'],
    })
  })

  it('asks for a refresh token when the server names no scopes', () => {
    const body = {mode: 'oidc', issuer: 'https://idp.example', client_id: 'cli', audience: 'aud', scopes: []}
    expect(toAuthConfig('https://gpus.example', body)).toMatchObject({scopes: ['openid', 'offline_access']})
  })

  it('is static for the solo daemon, and an incomplete OIDC setup is refused with what is missing', () => {
    expect(toAuthConfig('http://127.0.0.1:8080', {mode: 'static', issuer: null, client_id: null, audience: null, scopes: []})).toEqual({mode: 'static'})
    expect(() => toAuthConfig('https://gpus.example', {mode: 'oidc', issuer: 'https://idp.example', client_id: null, audience: 'aud'})).toThrow(
      /issuer, client_id and audience are needed/,
    )
  })
})
