import {describe, expect, it} from 'vitest'

import {ClaimMappingError, DEFAULT_CLAIM_MAPPING, principalFromClaims} from './claim-mapping.js'

describe('claims to a principal', () => {
  it('makes an admin from an admin group or from a role claim, and a member otherwise', () => {
    expect(principalFromClaims({sub: 'u1', tenant: 't1', groups: ['ml', 'gpu-admins']}, DEFAULT_CLAIM_MAPPING, 5)).toEqual({user: 'u1', tenant: 't1', role: 'admin', expiresAt: 5})
    expect(principalFromClaims({sub: 'u1', tenant: 't1', groups: 'ml gpu-admins'}, DEFAULT_CLAIM_MAPPING, null).role).toBe('admin')
    const entra = {...DEFAULT_CLAIM_MAPPING, userClaim: 'oid', tenantClaim: 'tid', roleClaim: 'roles'}
    expect(principalFromClaims({oid: 'o-1', tid: 'tenant-9', roles: ['admin']}, entra, null)).toMatchObject({user: 'o-1', tenant: 'tenant-9', role: 'admin'})
    expect(principalFromClaims({oid: 'o-1', tid: 'tenant-9', roles: ['reader']}, entra, null).role).toBe('member')
  })

  it('refuses a missing or unusable tenant, naming the claim', () => {
    expect(() => principalFromClaims({sub: 'u1'}, DEFAULT_CLAIM_MAPPING, null)).toThrow(new ClaimMappingError('the access token has no "tenant" claim, which names the tenant; map it at the IdP or start the server with the claim your IdP uses'))
    expect(() => principalFromClaims({sub: 'u1', tenant: 'a/b'}, DEFAULT_CLAIM_MAPPING, null)).toThrow(/"tenant" claim \(the tenant\) is not a usable name/)
    expect(() => principalFromClaims({sub: '', tenant: 'a'}, DEFAULT_CLAIM_MAPPING, null)).toThrow(/"sub" claim/)
  })
})
