import {Flags} from '@oclif/core'

import {MAX_RESERVATION_HOURS} from '../../core/limits.js'

/** `--hard-max-override` of `provision` and `allocations create`, described the same in both. */
export const hardMaxOverrideFlag = Flags.boolean({
  description: `Lift the ${MAX_RESERVATION_HOURS}-hour hard maximum: extensions may then take the session past ${MAX_RESERVATION_HOURS} hours in total (it still ends at its reservation)`,
})

/** Said whenever --hard-max-override is sent: the one guard against a forgotten VM is then off. */
export const HARD_MAX_WARNING =
  `--hard-max-override lifts the ${MAX_RESERVATION_HOURS}-hour hard maximum: extended, this session can run (and cost) past ${MAX_RESERVATION_HOURS} hours; only its reservation, idle shutdown and the budget still end it.`
