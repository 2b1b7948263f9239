import {generateKeyPairSync} from 'node:crypto'

import {importJWK, SignJWT} from 'jose'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {deviceFlowTokens, startTestIdp, TEST_CLI_CLIENT_ID, TEST_SERVER_CLIENT_ID, type TestIdp} from '../../test/support/test-idp.js'
import {AccessTokenError, AccessTokenVerifier, IdpUnavailableError, type AccessTokenSettings} from './access-token-verifier.js'
import {DEFAULT_CLAIM_MAPPING} from './claim-mapping.js'

const claimsOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()) as {exp: number; iat: number; nbf?: number; kid?: string}
const headerOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[0]!, 'base64url').toString()) as {kid: string}

/** Access tokens from a real OpenID provider on loopback, checked as the team server checks them. */
describe('the access token verifier against a real IdP', () => {
  let idp: TestIdp
  const settings = (overrides: Partial<AccessTokenSettings> = {}): AccessTokenSettings => ({
    issuer: idp.issuer,
    audience: idp.audience,
    claims: DEFAULT_CLAIM_MAPPING,
    clockToleranceSec: 30,
    introspection: null,
    ...overrides,
  })
  const verifier = (overrides: Partial<AccessTokenSettings> = {}, now = () => Date.now()) => new AccessTokenVerifier(settings(overrides), {now, jwksCooldownMs: 0})

  beforeAll(async () => {
    idp = await startTestIdp()
  })
  afterAll(async () => idp?.stop())

  it('maps a member and an admin from their tokens', async () => {
    const bob = await deviceFlowTokens(idp, 'bob')
    const alice = await deviceFlowTokens(idp, 'alice')
    const carol = await deviceFlowTokens(idp, 'carol')
    const v = verifier()
    expect(await v.verify(bob.access_token)).toEqual({user: 'bob', tenant: 'acme', role: 'member', expiresAt: claimsOf(bob.access_token).exp * 1000})
    expect(await v.verify(alice.access_token)).toMatchObject({user: 'alice', tenant: 'acme', role: 'admin'})
    expect(await v.verify(carol.access_token)).toMatchObject({user: 'carol', tenant: 'globex', role: 'member'})
  })

  it('refuses a token for another audience, from another issuer, or past its expiry beyond the skew', async () => {
    const {access_token: token} = await deviceFlowTokens(idp, 'bob')
    const {exp} = claimsOf(token)
    await expect(verifier({audience: 'https://someone-else.test/api'}).verify(token)).rejects.toMatchObject({reason: 'wrong-audience'})
    // Within the 30 s skew a just-expired token still passes; beyond it, it does not.
    expect(await verifier({}, () => (exp + 20) * 1000).verify(token)).toMatchObject({user: 'bob'})
    await expect(verifier({}, () => (exp + 31) * 1000).verify(token)).rejects.toMatchObject({reason: 'expired', message: 'the bearer token has expired'})
    const other = await startTestIdp()
    try {
      const foreign = await deviceFlowTokens(other, 'bob')
      await expect(verifier().verify(foreign.access_token)).rejects.toBeInstanceOf(AccessTokenError)
    } finally {
      await other.stop()
    }
  })

  it('refuses a token whose nbf is ahead beyond the skew, and accepts one within it', async () => {
    const ahead = await startTestIdp({notBeforeSec: 60})
    try {
      const {access_token: token} = await deviceFlowTokens(ahead, 'bob')
      const {nbf} = claimsOf(token)
      expect(nbf).toBeGreaterThan(claimsOf(token).iat)
      const at = (sec: number) => new AccessTokenVerifier(settings({issuer: ahead.issuer}), {now: () => sec * 1000, jwksCooldownMs: 0})
      await expect(at(nbf! - 31).verify(token)).rejects.toMatchObject({reason: 'not-yet-valid', message: expect.stringContaining('check the clocks')})
      expect(await at(nbf! - 20).verify(token)).toMatchObject({user: 'bob'})
    } finally {
      await ahead.stop()
    }
  })

  it('refuses a token signed by a key the issuer does not hold, whatever key id it names', async () => {
    const {access_token: real} = await deviceFlowTokens(idp, 'alice')
    const {privateKey} = generateKeyPairSync('rsa', {modulusLength: 2048})
    const forge = async (kid: string) =>
      new SignJWT({...claimsOf(real), tenant: 'acme', groups: ['gpu-admins']})
        .setProtectedHeader({alg: 'RS256', typ: 'at+jwt', kid})
        .sign(await importJWK({...privateKey.export({format: 'jwk'}), alg: 'RS256'}))
    await expect(verifier().verify(await forge('not-a-key-of-the-idp'))).rejects.toMatchObject({reason: 'unknown-key'})
    await expect(verifier().verify(await forge(headerOf(real).kid))).rejects.toMatchObject({reason: 'bad-signature'})
    await expect(verifier().verify('not.a-jwt.at-all')).rejects.toBeInstanceOf(AccessTokenError)
  })

  it('picks up a rotated signing key, and still accepts tokens signed before the rotation', async () => {
    const v = verifier()
    const before = await deviceFlowTokens(idp, 'bob')
    await v.verify(before.access_token)
    const oldKid = idp.signingKid()
    await idp.rotateKeys()
    const after = await deviceFlowTokens(idp, 'bob')
    expect(headerOf(after.access_token).kid).not.toBe(oldKid)
    expect(await v.verify(after.access_token)).toMatchObject({user: 'bob'})
    expect(await v.verify(before.access_token)).toMatchObject({user: 'bob'})
  })

  it('says which claim is missing when the IdP does not send the tenant where it was told to look', async () => {
    const {access_token: token} = await deviceFlowTokens(idp, 'bob')
    await expect(verifier({claims: {...DEFAULT_CLAIM_MAPPING, tenantClaim: 'org'}}).verify(token)).rejects.toMatchObject({
      reason: 'unmapped',
      message: expect.stringContaining('no "org" claim'),
    })
  })

  it('reports an issuer it cannot reach as the IdP being unavailable, not as a bad token', async () => {
    const {access_token: token} = await deviceFlowTokens(idp, 'bob')
    const v = new AccessTokenVerifier({...settings(), issuer: 'http://127.0.0.1:1'}, {now: () => Date.now()})
    await expect(v.verify(token)).rejects.toBeInstanceOf(IdpUnavailableError)
  })
})

describe('the access token verifier with opaque tokens', () => {
  let idp: TestIdp
  beforeAll(async () => {
    idp = await startTestIdp({accessTokenFormat: 'opaque'})
  })
  afterAll(async () => idp?.stop())

  it('introspects them at the issuer, and refuses a revoked one', async () => {
    const tokens = await deviceFlowTokens(idp, 'carol')
    expect(tokens.access_token.split('.')).toHaveLength(1)
    const v = new AccessTokenVerifier(
      {issuer: idp.issuer, audience: idp.audience, claims: DEFAULT_CLAIM_MAPPING, clockToleranceSec: 30, introspection: {clientId: TEST_SERVER_CLIENT_ID, clientSecret: idp.serverClientSecret}},
      {now: () => Date.now()},
    )
    expect(await v.verify(tokens.access_token)).toMatchObject({user: 'carol', tenant: 'globex', role: 'member'})
    // Revoked by the client it was issued to, as `auth logout` does.
    const revoked = await fetch(`${idp.issuer}/token/revocation`, {method: 'POST', body: new URLSearchParams({client_id: TEST_CLI_CLIENT_ID, token: tokens.access_token})})
    expect(revoked.status).toBe(200)
    await expect(v.verify(tokens.access_token)).rejects.toMatchObject({reason: 'inactive'})
    const noIntrospection = new AccessTokenVerifier({issuer: idp.issuer, audience: idp.audience, claims: DEFAULT_CLAIM_MAPPING, clockToleranceSec: 30, introspection: null}, {now: () => Date.now()})
    await expect(noIntrospection.verify(tokens.access_token)).rejects.toMatchObject({reason: 'malformed'})
  })

  it('refuses one whose introspected nbf is ahead beyond the skew, and accepts it within', async () => {
    const ahead = await startTestIdp({accessTokenFormat: 'opaque', notBeforeSec: 60})
    try {
      const {access_token: token} = await deviceFlowTokens(ahead, 'carol')
      const introspection = {clientId: TEST_SERVER_CLIENT_ID, clientSecret: ahead.serverClientSecret}
      const at = (offsetSec: number) =>
        new AccessTokenVerifier({issuer: ahead.issuer, audience: ahead.audience, claims: DEFAULT_CLAIM_MAPPING, clockToleranceSec: 30, introspection}, {now: () => Date.now() + offsetSec * 1000})
      await expect(at(0).verify(token)).rejects.toMatchObject({reason: 'not-yet-valid', message: expect.stringContaining('check the clocks')})
      expect(await at(45).verify(token)).toMatchObject({user: 'carol', tenant: 'globex'})
    } finally {
      await ahead.stop()
    }
  })
})
