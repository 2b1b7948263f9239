import {MAX_DISK_GB, MAX_RESERVATION_HOURS, MIN_DISK_GB, MIN_RESERVATION_HOURS, isConsumerId} from '../../src/core/limits.js'

/** The provision form's values as typed. */
export interface ProvisionFields {
  consumer: string
  hours: string
  disk: string
  keyIds: readonly string[]
}

/** What is wrong with the form, naming the field and the accepted values; null when it can be sent. */
export function checkProvisionForm(fields: ProvisionFields): string | null {
  if (!isConsumerId(fields.consumer)) return 'Consumer is required: letters, digits and . _ - @ :'
  const hours = Number(fields.hours)
  if (!Number.isInteger(hours) || hours < MIN_RESERVATION_HOURS || hours > MAX_RESERVATION_HOURS) {
    return `Hours must be a whole number from ${MIN_RESERVATION_HOURS} to ${MAX_RESERVATION_HOURS} (the hard maximum).`
  }
  const disk = Number(fields.disk)
  if (!Number.isInteger(disk) || disk < MIN_DISK_GB || disk > MAX_DISK_GB) return `Disk GB must be a whole number from ${MIN_DISK_GB} to ${MAX_DISK_GB}.`
  return null
}

/** The reservation's cost if it runs to the end: integer micro-USD, as the ledger would bill it. */
export function expectedCost(pricePerHourMicroUsd: number, hours: number): number {
  return pricePerHourMicroUsd * hours
}
