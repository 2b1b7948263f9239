import {describe, expect, it} from 'vitest'

import {credentialsFromTokens, parseCredentials, renewedCredentials} from './credentials.js'

const ref = {issuer: 'https://idp.example', clientId: 'gpu-shopper-cli', audience: 'https://gpus.example/api'}

describe('stored credentials', () => {
  it('keep what a refresh needs, and when the access token expires', () => {
    const credentials = credentialsFromTokens('https://gpus.example', ref, {access_token: 'at', refresh_token: 'rt', expires_in: 300}, 1_000)
    expect(credentials).toEqual({server: 'https://gpus.example', ...ref, accessToken: 'at', refreshToken: 'rt', expiresAt: 301_000, obtainedAt: 1_000})
  })

  it('take a rotated refresh token, and keep the old one when the IdP does not rotate', () => {
    const first = credentialsFromTokens('https://gpus.example', ref, {access_token: 'at-1', refresh_token: 'rt-1', expires_in: 300}, 0)
    expect(renewedCredentials(first, {access_token: 'at-2', refresh_token: 'rt-2', expires_in: 300}, 10_000)).toMatchObject({accessToken: 'at-2', refreshToken: 'rt-2', expiresAt: 310_000, obtainedAt: 0})
    expect(renewedCredentials(first, {access_token: 'at-2', expires_in: 300}, 10_000)).toMatchObject({accessToken: 'at-2', refreshToken: 'rt-1'})
  })

  it('read back what was written, and read anything malformed as no login', () => {
    const credentials = credentialsFromTokens('https://gpus.example', ref, {access_token: 'at'}, 5)
    expect(parseCredentials(JSON.stringify(credentials))).toEqual(credentials)
    expect(parseCredentials('{"server": 1}')).toBeNull()
    expect(parseCredentials('not json')).toBeNull()
    expect(parseCredentials(null)).toBeNull()
  })
})
