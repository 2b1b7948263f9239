import {z} from 'zod'

import {looseNumberValue, looseStringValue} from '../wire-values.js'

/**
 * TensorDock v2 reply shapes, parsed defensively: live replies mixed casings
 * (`ipAddress` beside `internal_port`), came wrapped and unwrapped, and may carry numbers as
 * strings, nulls and missing blocks (`pricing`, `network_features`). Only what we use is
 * declared; everything else passes through unread.
 */

/** A number, a numeric string, null or absent; anything else reads as absent rather than failing the row. */
const looseNumber = z.preprocess(looseNumberValue, z.number().nullish()).catch(null)
const looseString = z.preprocess(looseStringValue, z.string().nullish()).catch(null)

export const tensorDockGpuSchema = z.object({
  v0Name: z.string().trim().min(1),
  displayName: looseString,
  max_count: z.preprocess(looseNumberValue, z.number()),
  price_per_hr: z.preprocess(looseNumberValue, z.number()),
  resources: z
    .object({max_vcpus: looseNumber, max_ram_gb: looseNumber, max_storage_gb: looseNumber})
    .nullish()
    .catch(null),
  pricing: z
    .object({per_vcpu_hr: looseNumber, per_gb_ram_hr: looseNumber, per_gb_storage_hr: looseNumber})
    .nullish()
    .catch(null),
})
export type TensorDockGpu = z.infer<typeof tensorDockGpuSchema>

/** One location; its `gpus` are checked one by one so that one odd entry costs one entry. */
export const tensorDockLocationSchema = z.object({
  id: z.string().trim().min(1),
  city: looseString,
  stateprovince: looseString,
  country: looseString,
  tier: looseNumber,
  gpus: z.array(z.unknown()).nullish(),
})
export type TensorDockLocation = z.infer<typeof tensorDockLocationSchema>

/** `GET /api/v2/locations`: `{"data":{"locations":[...]}}`. */
export const tensorDockLocationsReplySchema = z.object({
  data: z.object({locations: z.array(z.unknown())}),
})

const portForwardSchema = z.object({internal_port: looseNumber, external_port: looseNumber})

/**
 * One instance, flat (`GET /instances/{id}`, some list replies) or after lifting
 * `attributes` (the documented list items). `portForwards` is an array live; a third-party
 * spec shows an `{internal: external}` map, so both are read. `resources.gpus` is a map keyed
 * by v0Name live; the same spec shows an array.
 */
export const tensorDockInstanceSchema = z.object({
  id: z.preprocess(looseStringValue, z.string().trim().min(1)),
  name: looseString,
  status: looseString,
  ipAddress: looseString,
  portForwards: z
    .union([z.array(portForwardSchema.catch({internal_port: null, external_port: null})), z.record(z.string(), looseNumber)])
    .nullish()
    .catch(null),
  rateHourly: looseNumber,
  resources: z
    .object({
      gpus: z
        .union([
          z.record(z.string(), z.object({count: looseNumber, v0Name: looseString}).catch({count: null, v0Name: null})),
          z.array(z.object({gpuV0Name: looseString, v0Name: looseString, count: looseNumber}).catch({gpuV0Name: null, v0Name: null, count: null})),
        ])
        .nullish()
        .catch(null),
    })
    .nullish()
    .catch(null),
})
export type TensorDockInstance = z.infer<typeof tensorDockInstanceSchema>

/** `POST /api/v2/instances`: `{"data":{"id":...}}` as documented, `{"id":...}` tolerated (terraform provider). */
export const tensorDockCreateReplySchema = z.object({
  data: z
    .object({
      id: looseString,
      attributes: z.object({id: looseString}).nullish().catch(null),
    })
    .nullish()
    .catch(null),
  id: looseString,
})
