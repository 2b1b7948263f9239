import {describe, expect, it} from 'vitest'

import {comparableFilter, DEFAULT_MAX_RETRIES, resolveRetryTerms} from './auto-retry.js'

describe('resolveRetryTerms', () => {
  it('defaults to two retries among the same GPU model, with the provisioning timeout for SSH', () => {
    expect(resolveRetryTerms({autoRetry: true, maxRetries: null, scope: null, sshTimeoutSeconds: null})).toEqual({maxRetries: DEFAULT_MAX_RETRIES, scope: 'same-gpu-type', sshTimeoutMs: null})
  })

  it('keeps an SSH timeout without auto-retry (the host fails sooner), and no retries', () => {
    expect(resolveRetryTerms({autoRetry: false, maxRetries: null, scope: null, sshTimeoutSeconds: 90})).toEqual({maxRetries: 0, scope: 'same-gpu-type', sshTimeoutMs: 90_000})
  })

  it('refuses retry settings that would be ignored, naming the field', () => {
    expect(resolveRetryTerms({autoRetry: false, maxRetries: 3, scope: null, sshTimeoutSeconds: null})).toMatchObject({problem: {field: 'max_retries'}})
    expect(resolveRetryTerms({autoRetry: false, maxRetries: null, scope: 'any', sshTimeoutSeconds: null})).toMatchObject({problem: {field: 'retry_scope'}})
  })
})

describe('comparableFilter', () => {
  const failed = {gpuType: 'RTX 4090', gpuCount: 2, vramGb: 24, pricePerHour: 800_000}

  it('keeps the GPU count and at least the VRAM in every scope', () => {
    expect(comparableFilter('same-gpu-type', failed)).toEqual({gpuTypeKey: 'rtx 4090', gpuCount: 2, minVramGb: 24, maxPricePerHour: null})
    expect(comparableFilter('same-price-band', failed)).toEqual({gpuTypeKey: null, gpuCount: 2, minVramGb: 24, maxPricePerHour: 1_000_000})
    expect(comparableFilter('any', failed)).toEqual({gpuTypeKey: null, gpuCount: 2, minVramGb: 24, maxPricePerHour: null})
  })
})
