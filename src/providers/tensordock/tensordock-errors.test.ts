import {describe, expect, it} from 'vitest'

import {
  InsufficientCreditError,
  ProviderAuthError,
  ProviderError,
  ProviderUnavailableError,
  RateLimitedError,
  StaleInventoryError,
} from '../errors.js'

import {errorText, replyFailure, tensorDockErrorFor} from './tensordock-errors.js'

function res(status: number, json: unknown) {
  return {status, json, text: typeof json === 'string' ? json : JSON.stringify(json)}
}

const context = {where: 'POST /api/v2/instances', scrub: (t: string) => t.replaceAll('tok-secret', '[redacted]')}
const creating = {...context, offerProviderId: '1a779525-4c04-4f2c-aa45-58b47d54bb38:a40-pcie-48gb:1'}

describe('replyFailure', () => {
  it('finds errors inside HTTP-200 bodies', () => {
    expect(replyFailure(res(200, {status: 400, error: 'No available nodes found'}))).toEqual({status: 400, message: 'No available nodes found'})
    expect(replyFailure(res(200, {error: 'Hostnode unavailable'}))).toEqual({status: 400, message: 'Hostnode unavailable'})
    expect(replyFailure(res(200, {status: '503', message: 'maintenance'}))).toEqual({status: 503, message: 'maintenance'})
    expect(replyFailure(res(200, {success: false, error: 'bad'}))).toEqual({status: 400, message: 'bad'})
    expect(replyFailure(res(200, [{code: 'invalid', message: 'Required', path: ['data', 'attributes', 'name']}]))?.status).toBe(400)
  })

  it('leaves successes alone, including an instance whose `status` is a word', () => {
    expect(replyFailure(res(200, {type: 'virtualmachine', id: 'x', status: 'running', error: null}))).toBeNull()
    expect(replyFailure(res(201, {data: {id: 'x', status: 'running'}}))).toBeNull()
    expect(replyFailure(res(200, {data: {type: 'success', attributes: {message: 'Instance deleted successfully'}}}))).toBeNull()
    expect(replyFailure(res(200, []))).toBeNull()
  })
})

describe('errorText', () => {
  it('joins validation arrays into one message with their paths', () => {
    const body = [
      {code: 'invalid', message: 'String must contain at most 64 character(s)', path: ['data', 'attributes', 'name']},
      {code: 'too_small', message: 'Number must be greater than or equal to 100', path: ['data', 'attributes', 'resources', 'storage_gb']},
    ]
    expect(errorText(body, '')).toBe(
      'data.attributes.name: String must contain at most 64 character(s); data.attributes.resources.storage_gb: Number must be greater than or equal to 100',
    )
  })

  it('reads nested error objects and falls back to the text', () => {
    expect(errorText({error: {message: 'nested'}}, '')).toBe('nested')
    expect(errorText(undefined, '<html>Bad Gateway</html>')).toBe('<html>Bad Gateway</html>')
    expect(errorText(undefined, '')).toBe('no message')
    expect(errorText(undefined, 'x'.repeat(1000)).length).toBeLessThan(310)
  })
})

describe('tensorDockErrorFor', () => {
  it.each([
    'No available nodes found',
    'No available public IPs on hostnode',
    'Insufficient capacity in this location',
    'GPU out of stock',
    'Hostnode unavailable',
  ])('maps "%s" on a create to StaleInventoryError', (message) => {
    const err = tensorDockErrorFor({status: 400, message}, creating)
    expect(err).toBeInstanceOf(StaleInventoryError)
    expect((err as StaleInventoryError).offerProviderId).toBe(creating.offerProviderId)
    expect(err.message).toMatch(/no instance was created/)
  })

  it('maps 401, 403 and "Auth issue" to ProviderAuthError, scrubbing the token', () => {
    const err = tensorDockErrorFor({status: 401, message: 'Invalid API credentials tok-secret'}, context)
    expect(err).toBeInstanceOf(ProviderAuthError)
    expect(err.message).not.toContain('tok-secret')
    expect(tensorDockErrorFor({status: 403, message: 'forbidden'}, context)).toBeInstanceOf(ProviderAuthError)
    expect(tensorDockErrorFor({status: 400, message: 'Auth issue'}, context)).toBeInstanceOf(ProviderAuthError)
  })

  it('maps balance errors, 429, 5xx and the rest', () => {
    expect(tensorDockErrorFor({status: 400, message: 'Insufficient balance: minimum $1 required'}, creating)).toBeInstanceOf(InsufficientCreditError)
    expect(tensorDockErrorFor({status: 402, message: 'Your balance is too low'}, creating)).toBeInstanceOf(InsufficientCreditError)
    expect(tensorDockErrorFor({status: 429, message: 'slow down'}, context)).toBeInstanceOf(RateLimitedError)
    const unavailable = tensorDockErrorFor({status: 502, message: 'bad gateway'}, context)
    expect(unavailable).toBeInstanceOf(ProviderUnavailableError)
    expect(unavailable.retryable).toBe(true)
    const other = tensorDockErrorFor({status: 400, message: 'SSH port (22) must be forwarded for Ubuntu VMs'}, creating)
    expect(other).toBeInstanceOf(ProviderError)
    expect(other).not.toBeInstanceOf(ProviderUnavailableError)
    expect(other).not.toBeInstanceOf(StaleInventoryError)
    expect(other.retryable).toBe(false)
    expect(other.httpStatus).toBe(400)
    // Stale-inventory words outside a create are just errors
    expect(tensorDockErrorFor({status: 400, message: 'No available nodes found'}, context)).not.toBeInstanceOf(StaleInventoryError)
  })
})
