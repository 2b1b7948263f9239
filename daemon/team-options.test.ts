import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, describe, expect, it} from 'vitest'

import {teamOptionsFrom} from './team-options.js'

describe("the daemon's team-mode arguments", () => {
  const dir = mkdtempSync(join(tmpdir(), 'gpu-shopper-team-options-'))
  const cert = join(dir, 'server.crt')
  const key = join(dir, 'server.key')
  writeFileSync(cert, 'CERT')
  writeFileSync(key, 'KEY')
  afterAll(() => rmSync(dir, {recursive: true, force: true}))
  const base = {host: '127.0.0.1', 'oidc-issuer': 'https://idp.example/realms/ml', 'oidc-audience': 'https://gpus.example/api'}

  it('is the solo daemon without an issuer', () => {
    expect(teamOptionsFrom({host: '0.0.0.0'}, {})).toBeNull()
  })

  it('maps the claims as configured, with the defaults otherwise', () => {
    const team = teamOptionsFrom({...base, 'claim-tenant': 'org', 'admin-group': ['ops', 'leads'], 'clock-skew': '5'}, {})!
    expect(team.oidc).toMatchObject({
      issuer: base['oidc-issuer'],
      audience: base['oidc-audience'],
      clientId: 'gpu-shopper-cli',
      clockToleranceSec: 5,
      introspection: null,
      claims: {userClaim: 'sub', tenantClaim: 'org', roleClaim: null, groupsClaim: 'groups', adminGroups: ['ops', 'leads']},
    })
    expect(team.tls).toBeUndefined()
    expect(team.rateLimit).toEqual({requestsPerSecond: 20, burst: 60})
  })

  it('refuses a network address without TLS, unless a TLS proxy is in front', () => {
    expect(() => teamOptionsFrom({...base, host: '0.0.0.0'}, {})).toThrow(/clear text.*--tls-cert and --tls-key, or --trust-proxy/)
    expect(teamOptionsFrom({...base, host: '0.0.0.0', 'trust-proxy': true}, {})).toMatchObject({tls: undefined, oidc: {trustProxy: true}})
    expect(teamOptionsFrom(base, {})?.oidc.trustProxy).toBe(false)
    expect(teamOptionsFrom({...base, host: '0.0.0.0', 'tls-cert': cert, 'tls-key': key}, {})?.tls).toEqual({cert: Buffer.from('CERT'), key: Buffer.from('KEY')})
  })

  it('says what is wrong with the rest', () => {
    expect(() => teamOptionsFrom({host: '127.0.0.1', 'oidc-issuer': 'https://idp.example'}, {})).toThrow(/--oidc-audience is required/)
    expect(() => teamOptionsFrom({...base, 'tls-cert': cert}, {})).toThrow(/go together/)
    expect(() => teamOptionsFrom({...base, 'tls-cert': join(dir, 'missing.crt'), 'tls-key': key}, {})).toThrow(/--tls-cert .* cannot be read: ENOENT/)
    expect(() => teamOptionsFrom({...base, 'clock-skew': '-1'}, {})).toThrow(/--clock-skew/)
    expect(() => teamOptionsFrom({...base, 'oidc-introspection-client-id': 'gpu-shopper-server'}, {})).toThrow(/GPU_SHOPPER_OIDC_CLIENT_SECRET/)
    expect(teamOptionsFrom({...base, 'oidc-introspection-client-id': 'srv'}, {GPU_SHOPPER_OIDC_CLIENT_SECRET: 's3cret'})?.oidc.introspection).toEqual({clientId: 'srv', clientSecret: 's3cret'})
  })
})
