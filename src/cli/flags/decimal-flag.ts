import {Flags} from '@oclif/core'

/** A decimal number flag (oclif has integers only), e.g. `--max-price 0.50`. */
export const decimalFlag = Flags.custom<number>({
  parse: async (input) => {
    const value = Number(input)
    if (input.trim() === '' || !Number.isFinite(value)) throw new Error(`expected a number, got "${input}"`)
    return value
  },
})
