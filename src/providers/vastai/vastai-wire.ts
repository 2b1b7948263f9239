import {z} from 'zod'

import {looseNumberValue, looseStringValue} from '../wire-values.js'

/**
 * Vast.ai reply shapes, parsed defensively: real replies carry nulls (`cpu_cores`, `rented`,
 * `actual_status`), numbers as strings, and leave fields out. Only what we use is declared;
 * everything else passes through unread.
 */

function looseBooleanValue(v: unknown): unknown {
  if (v === 1 || v === '1' || v === 'true' || v === 'True') return true
  if (v === 0 || v === '0' || v === 'false' || v === 'False' || v === '') return false
  return v
}

const looseNumber = z.preprocess(looseNumberValue, z.number().nullish())
const requiredNumber = z.preprocess(looseNumberValue, z.number())
const looseBoolean = z.preprocess(looseBooleanValue, z.boolean().nullish())
const looseString = z.preprocess(looseStringValue, z.string().nullish())
const requiredId = z.preprocess(looseNumberValue, z.number().int().positive())

export const vastOfferSchema = z.object({
  id: requiredId,
  gpu_name: z.string().trim().min(1),
  num_gpus: requiredNumber,
  gpu_ram: requiredNumber,
  dph_total: requiredNumber,
  dph_base: looseNumber,
  storage_cost: looseNumber,
  reliability2: looseNumber,
  reliability: looseNumber,
  geolocation: looseString,
  cuda_max_good: looseNumber,
  disk_space: looseNumber,
  cpu_cores: looseNumber,
  cpu_cores_effective: looseNumber,
  cpu_ram: looseNumber,
  inet_down: looseNumber,
  /** The physical machine the ask rents; a machine is relisted under a new ask id after each rental. */
  machine_id: looseNumber,
  rentable: looseBoolean,
  rented: looseBoolean,
})
export type VastOffer = z.infer<typeof vastOfferSchema>

/** The page is checked loosely so that one bad offer costs one offer, not the page. */
export const vastOfferPageSchema = z.object({offers: z.array(z.unknown())})

const portBindingSchema = z.object({
  HostIp: looseString,
  HostPort: looseNumber,
})

export const vastInstanceSchema = z.object({
  id: requiredId,
  label: looseString,
  actual_status: looseString,
  intended_status: looseString,
  cur_state: looseString,
  next_state: looseString,
  status_msg: looseString,
  image_runtype: looseString,
  ssh_host: looseString,
  ssh_port: looseNumber,
  public_ipaddr: looseString,
  ports: z.record(z.string(), z.array(portBindingSchema).nullish()).nullish().catch(null),
  dph_total: looseNumber,
  dph_base: looseNumber,
  storage_cost: looseNumber,
  disk_space: looseNumber,
  start_date: looseNumber,
  client_run_time: looseNumber,
  uptime_mins: looseNumber,
  gpu_name: looseString,
  num_gpus: looseNumber,
  gpu_ram: looseNumber,
})
export type VastInstance = z.infer<typeof vastInstanceSchema>

/** `GET /api/v0/instances/{id}/`: one object under a plural key, `null` (HTTP 200) when gone. */
export const vastInstanceReplySchema = z.object({
  instances: z.union([z.null(), z.array(z.unknown()), z.record(z.string(), z.unknown())]).optional(),
})

/** `GET /api/v1/instances/`. */
export const vastInstanceListSchema = z.object({
  instances: z.array(z.unknown()).nullish(),
  next_token: looseString,
})

/** `PUT /api/v0/asks/{id}/`; `new_contract` can come with `success:false` (the instance still exists). */
export const vastCreateReplySchema = z.object({
  success: looseBoolean,
  new_contract: looseNumber,
  error: looseString,
  msg: looseString,
})

export const vastResultSchema = z.object({
  success: looseBoolean,
  error: looseString,
  msg: looseString,
})

/**
 * `GET /api/v0/charges/` (vast.py `show invoices-v1 --charges`): `results` rows with `type`,
 * `source` (`instance-<id>`), `amount` (USD), `start`/`end` (epoch seconds) and nested `items`.
 */
export const vastChargesPageSchema = z.object({
  results: z.array(
    z.object({
      type: looseString,
      source: looseString,
      amount: requiredNumber,
      start: looseNumber,
      end: requiredNumber,
    }),
  ),
  next_token: looseString,
})
