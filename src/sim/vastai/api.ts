import ssh2 from 'ssh2'

import {isRecord, jsonListReply, jsonReply, type Reply} from '../shared/http-util.js'
import {renderInstance} from './instance-view.js'
import {listInstancesV1} from './instance-list.js'
import {parseOfferQuery, QueryError, searchOffers} from './query.js'
import {findTemplate, mergeTemplate, searchTemplates, SIM_TEMPLATES} from './templates.js'
import type {VastSim} from './simulator.js'
import {outcomeOnMachine} from './config.js'

export interface ApiRequest {
  method: string
  path: string
  url: URL
  body: unknown
  /** The id captured from the path, when the route has one. */
  id: number
}

type Handler = (sim: VastSim, req: ApiRequest) => Reply | Promise<Reply>

export interface Route {
  method: string
  pattern: RegExp
  /** `none`: no key needed (and none checked); `required`: a valid key or 401. */
  auth: 'none' | 'required'
  /** Rate-limit bucket (see DEFAULT_RATE_INTERVALS). */
  endpoint: string
  handler: Handler
}

const invalidArgs = (msg: string, status = 400) => jsonReply(status, {success: false, error: 'invalid_args', msg})

function noSuchInstance(id: number): Reply {
  return jsonReply(404, {success: false, error: 'no_such_instance', msg: `Instance ${id} not found.`})
}

function search(sim: VastSim, raw: unknown, envelope: Record<string, unknown> = {}): Reply {
  try {
    const query = parseOfferQuery(raw)
    const offers = searchOffers(sim.market.all(), query, sim.clock.now())
    return jsonListReply(200, envelope, 'offers', offers)
  } catch (error) {
    if (error instanceof QueryError) return invalidArgs(error.message)
    throw error
  }
}

function gpuNames(sim: VastSim): Reply {
  const names = [...new Set(sim.market.all().map((o) => o.gpu_name))].sort()
  return jsonReply(200, {gpu_names: names})
}

function searchGet(sim: VastSim, req: ApiRequest): Reply {
  const q = req.url.searchParams.get('q')
  if (q === null) return search(sim, {})
  try {
    return search(sim, JSON.parse(q) as unknown)
  } catch {
    return invalidArgs('q is not valid JSON')
  }
}

function searchAsks(sim: VastSim, req: ApiRequest): Reply {
  if (!isRecord(req.body) || !isRecord(req.body.q)) return invalidArgs('the body must be {"q": {query}, "select_cols": [...]}')
  const reply = search(sim, req.body.q, {success: true})
  const cols = req.body.select_cols
  if ('jsonList' in reply && Array.isArray(cols) && !cols.includes('*')) {
    const offers = reply.jsonList.items as Record<string, unknown>[]
    return jsonListReply(200, reply.jsonList.fields, 'offers', offers.map((o) => Object.fromEntries(cols.filter((c): c is string => typeof c === 'string' && c in o).map((c) => [c, o[c]]))))
  }
  return reply
}

async function createInstance(sim: VastSim, req: ApiRequest): Promise<Reply> {
  const askId = req.id
  const body = req.body === undefined ? {} : req.body
  if (!isRecord(body)) return invalidArgs('the body must be a JSON object')
  const offer = sim.market.get(askId)
  if (!offer || offer.rented === true || offer.rentable === false) {
    // The text, not the status, is what identifies a stale offer: live it came back as 400.
    return jsonReply(sim.config.staleStatus, {
      success: false,
      error: 'invalid_args',
      msg: `error 404/3603: no_such_ask  Instance type by id ${askId} is not available.`,
      ask_id: askId,
    })
  }
  const image = body.image
  const hashId = body.template_hash_id
  if (hashId !== undefined && hashId !== null && typeof hashId !== 'string') return invalidArgs('template_hash_id must be a string')
  const template = typeof hashId === 'string' && hashId !== '' ? findTemplate(SIM_TEMPLATES, hashId) : undefined
  // The exact text of this refusal is inferred (not seen live); its shape is Vast's invalid_args.
  if (typeof hashId === 'string' && hashId !== '' && !template) return invalidArgs(`template_hash_id ${hashId} does not name a template you can use`)
  if ((typeof image !== 'string' || image.trim() === '') && !template) return invalidArgs('image is required')
  if (typeof image === 'string' && image.length > 1024) return invalidArgs('image is longer than 1024 characters')
  const env = body.env ?? {}
  if (!isRecord(env)) return invalidArgs('env must be a dict of {"VAR": "value"}, not a string of flags')
  const label = body.label ?? null
  if (label !== null && typeof label !== 'string') return invalidArgs('label must be a string')
  if (typeof label === 'string' && label.length > 256) return invalidArgs('label is longer than 256 characters')
  const requestEnv = Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v)]))
  const launch = template
    ? mergeTemplate(template, body, requestEnv)
    : {
        image: image as string,
        env: requestEnv,
        onstart: typeof body.onstart === 'string' ? body.onstart : null,
        runtype: typeof body.runtype === 'string' && body.runtype !== '' ? body.runtype : 'ssh',
        disk: body.disk === undefined || body.disk === null ? 10 : Number(body.disk),
      }
  const disk = launch.disk
  if (!Number.isFinite(disk) || disk <= 0) return invalidArgs('disk must be a positive number of GB')
  const price = body.price === undefined || body.price === null ? null : Number(body.price)
  if (price !== null && (!Number.isFinite(price) || price < 0.001 || price > 128)) {
    return jsonReply(400, {success: false, error: 'invalid_price', msg: 'price must be between 0.001 and 128 $/hr'})
  }
  if (sim.account.credit(sim.instances) <= 0) return jsonReply(400, {success: false, error: 'insufficient_credit', msg: 'Insufficient credits'})

  const underbid = price !== null && price < offer.min_bid && sim.config.underbid === 'stopped'
  sim.market.consume(askId)
  // The create body's ssh_key is ignored on purpose: live it did not reliably install the key.
  const instance = sim.instances.create({
    offer,
    label,
    image: launch.image,
    disk,
    runtype: launch.runtype,
    env: launch.env,
    onstart: launch.onstart,
    template: template ? {id: template.id, hashId: template.hash_id, name: template.name} : null,
    price,
    outcome: outcomeOnMachine(sim.config, offer.machine_id),
    timings: sim.config.timings,
    listLagMs: sim.config.listLagMs,
    accountKeys: sim.account.keyLines(),
    gpuLoad: sim.config.gpuLoad,
    startStopped: underbid,
  })
  await sim.servers.start(instance)
  if (underbid) {
    // Seen live: the spot create "fails" yet the instance exists, stopped, billing storage.
    return jsonReply(200, {success: false, error: 'invalid_price', msg: `bid ${price} is below min_bid ${offer.min_bid}`, new_contract: instance.id})
  }
  return jsonReply(200, {success: true, new_contract: instance.id})
}

function showInstance(sim: VastSim, req: ApiRequest): Reply {
  const instance = sim.instances.get(req.id)
  // Gone is 200 with null, not 404: instances vanish this way live.
  if (!instance) return jsonReply(200, {instances: null})
  return jsonReply(200, {instances: renderInstance(sim.instances, instance, sim.clock.now())})
}

async function updateInstance(sim: VastSim, req: ApiRequest): Promise<Reply> {
  const instance = sim.instances.get(req.id)
  if (!instance) return noSuchInstance(req.id)
  const body = req.body ?? {}
  if (!isRecord(body)) return invalidArgs('the body must be a JSON object')
  if (body.state !== undefined) {
    if (body.state !== 'running' && body.state !== 'stopped') return invalidArgs('state must be running or stopped')
    sim.instances.setState(instance, body.state)
    // A stopped container's processes end and its ports close; started again, its ports come back.
    if (body.state === 'stopped') await sim.servers.powerOff(instance)
    else await sim.servers.powerOn(instance)
  }
  if (body.label !== undefined) {
    if (body.label !== null && typeof body.label !== 'string') return invalidArgs('label must be a string')
    instance.label = body.label
  }
  return jsonReply(200, {success: true})
}

async function destroyInstance(sim: VastSim, req: ApiRequest): Promise<Reply> {
  const instance = sim.instances.destroy(req.id)
  if (!instance) {
    if (sim.config.destroyUnknown === 'not_found') return jsonReply(404, {success: false, error: 'not_found', msg: 'Instance not found'})
    return jsonReply(400, {success: false, error: 'no_such_instance', msg: `Instance ${req.id} does not exist or is not yours.`})
  }
  await sim.servers.stop(instance)
  return jsonReply(200, {success: true, msg: `Instance ${req.id} destroyed.`})
}

/** vast.py's own checks: no private keys, and a public key line starts with "ssh". */
function checkPublicKey(raw: unknown): string | Reply {
  if (typeof raw !== 'string' || raw.trim() === '') return invalidArgs('ssh_key is required')
  const line = raw.trim()
  if (/PRIVATE KEY/.test(line)) return invalidArgs('that is a private key; send the public key (the .pub file)')
  if (!line.startsWith('ssh')) return invalidArgs('ssh_key must be an OpenSSH public key line starting with "ssh"')
  const parsed = ssh2.utils.parseKey(line)
  if (parsed instanceof Error) return invalidArgs(`ssh_key is not a valid public key: ${parsed.message}`)
  return line
}

function attachSsh(sim: VastSim, req: ApiRequest): Reply {
  const instance = sim.instances.get(req.id)
  if (!instance) return noSuchInstance(req.id)
  const key = checkPublicKey(isRecord(req.body) ? req.body.ssh_key : undefined)
  if (typeof key !== 'string') return key
  instance.keys.push({line: key, usableAt: sim.clock.now() + sim.config.timings.keyPropagationMs})
  return jsonReply(200, {success: true, msg: 'SSH key added to instance.'})
}

function listLegacy(sim: VastSim): Reply {
  const now = sim.clock.now()
  return jsonReply(200, {instances: sim.instances.listed().map((i) => renderInstance(sim.instances, i, now))})
}

function listV1(sim: VastSim, req: ApiRequest): Reply {
  const now = sim.clock.now()
  const rows = sim.instances.listed().map((i) => renderInstance(sim.instances, i, now))
  const reply = listInstancesV1(rows, req.url.searchParams, sim.tokenSecret)
  return jsonReply(reply.status, reply.body)
}

function currentUser(sim: VastSim): Reply {
  return jsonReply(200, sim.account.render(sim.instances))
}

function addAccountKey(sim: VastSim, req: ApiRequest): Reply {
  const key = checkPublicKey(isRecord(req.body) ? req.body.ssh_key : undefined)
  if (typeof key !== 'string') return key
  return jsonReply(200, {success: true, key: sim.account.addKey(key)})
}

function deleteAccountKey(sim: VastSim, req: ApiRequest): Reply {
  if (!sim.account.removeKey(req.id)) return jsonReply(404, {success: false, error: 'not_found', msg: `ssh key ${req.id} not found`})
  return jsonReply(200, {success: true})
}

const CHARGES_MAX_LIMIT = 100

/**
 * `GET /api/v0/charges/` (vast.py `show invoices-v1 --charges`): instance charges per day,
 * filtered by `select_filters` on `day` (epoch seconds, gte/lte) and `type` (`in`), paged with
 * `limit` (at most 100) and `after_token`. Amounts are USD; `source` names the instance.
 */
function charges(sim: VastSim, req: ApiRequest): Reply {
  const params = req.url.searchParams
  let filters: Record<string, unknown> = {}
  try {
    const raw = params.get('select_filters')
    filters = raw === null ? {} : (JSON.parse(raw) as Record<string, unknown>)
    if (!isRecord(filters)) throw new Error('not an object')
  } catch {
    return invalidArgs('select_filters must be a JSON object')
  }
  const day = isRecord(filters.day) ? filters.day : {}
  const gte = day.gte === undefined ? -Infinity : Number(day.gte)
  const lte = day.lte === undefined ? Infinity : Number(day.lte)
  if (Number.isNaN(gte) || Number.isNaN(lte)) return invalidArgs('day filters must be epoch seconds')
  const types = isRecord(filters.type) && Array.isArray(filters.type.in) ? filters.type.in : null
  if (types !== null && !types.includes('instance')) return jsonReply(200, {results: [], count: 0, total: 0, next_token: null})
  const limit = Math.min(Number(params.get('limit') ?? 20) || 20, CHARGES_MAX_LIMIT)
  let offset = 0
  const token = params.get('after_token')
  if (token) {
    try {
      offset = Number((JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as {values: {offset: number}}).values.offset)
      if (!Number.isSafeInteger(offset) || offset < 0) throw new Error('bad offset')
    } catch {
      return invalidArgs('after_token is not a token this endpoint gave out')
    }
  }
  const matching = sim.instances
    .chargeRows()
    .filter((r) => r.day / 1000 >= gte && r.day / 1000 <= lte)
    .sort((a, b) => a.day - b.day || a.instance.id - b.instance.id)
  if (params.get('latest_first') === 'true') matching.reverse()
  const page = matching.slice(offset, offset + limit)
  const usd = (micro: number) => micro / 1_000_000
  const results = page.map((r) => {
    const source = `instance-${r.instance.id}`
    const item = (type: string, description: string, amount: number) => ({type, source, description, amount: usd(amount), start: r.start / 1000, end: r.end / 1000, items: [], metadata: {}})
    return {
      type: 'instance',
      source,
      description: `${r.instance.offer.num_gpus}x ${r.instance.offer.gpu_name} instance ${r.instance.id}`,
      amount: usd(r.gpu + r.storage),
      start: r.start / 1000,
      end: r.end / 1000,
      day: r.day / 1000,
      items: [item('gpu', 'GPU', r.gpu), item('storage', `${r.instance.disk} GB disk`, r.storage)],
      metadata: {instance_id: r.instance.id, label: r.instance.label},
    }
  })
  const next = offset + limit < matching.length ? Buffer.from(JSON.stringify({values: {offset: offset + limit}, os_page: 0})).toString('base64') : null
  return jsonReply(200, {results, count: results.length, total: matching.length, next_token: next})
}

/** `GET /api/v0/template/?select_filters=<json>`: the templates the filters let through, in the offer query language. */
function templates(_sim: VastSim, req: ApiRequest): Reply {
  try {
    return jsonReply(200, {templates: searchTemplates(SIM_TEMPLATES, req.url.searchParams.get('select_filters'))})
  } catch (error) {
    if (error instanceof QueryError) return invalidArgs(error.message)
    throw error
  }
}

const ID = '(\\d+)'

/** Every path ends in a slash as on the real API, except `users/current` which vast.py calls bare. */
export const ROUTES: readonly Route[] = [
  {method: 'GET', pattern: /^\/api\/v0\/gpu_names\/unique\/$/, auth: 'none', endpoint: 'gpu_names', handler: gpuNames},
  {method: 'POST', pattern: /^\/api\/v0\/bundles\/$/, auth: 'none', endpoint: 'search', handler: (sim, req) => search(sim, req.body)},
  {method: 'GET', pattern: /^\/api\/v0\/bundles\/$/, auth: 'none', endpoint: 'search', handler: searchGet},
  {method: 'PUT', pattern: /^\/api\/v0\/search\/asks\/$/, auth: 'none', endpoint: 'search', handler: searchAsks},
  {method: 'PUT', pattern: new RegExp(`^/api/v0/asks/${ID}/$`), auth: 'required', endpoint: 'create', handler: createInstance},
  {method: 'GET', pattern: new RegExp(`^/api/v0/instances/${ID}/$`), auth: 'required', endpoint: 'show', handler: showInstance},
  {method: 'PUT', pattern: new RegExp(`^/api/v0/instances/${ID}/$`), auth: 'required', endpoint: 'update', handler: updateInstance},
  {method: 'DELETE', pattern: new RegExp(`^/api/v0/instances/${ID}/$`), auth: 'required', endpoint: 'destroy', handler: destroyInstance},
  {method: 'POST', pattern: new RegExp(`^/api/v0/instances/${ID}/ssh/$`), auth: 'required', endpoint: 'attach_ssh', handler: attachSsh},
  {method: 'GET', pattern: /^\/api\/v0\/instances\/$/, auth: 'required', endpoint: 'list', handler: listLegacy},
  {method: 'GET', pattern: /^\/api\/v1\/instances\/$/, auth: 'required', endpoint: 'list', handler: listV1},
  {method: 'GET', pattern: /^\/api\/v0\/users\/current\/?$/, auth: 'required', endpoint: 'user', handler: currentUser},
  {method: 'GET', pattern: /^\/api\/v0\/ssh\/$/, auth: 'required', endpoint: 'ssh_keys', handler: (sim) => jsonReply(200, sim.account.listKeys())},
  {method: 'POST', pattern: /^\/api\/v0\/ssh\/$/, auth: 'required', endpoint: 'ssh_keys', handler: addAccountKey},
  {method: 'DELETE', pattern: new RegExp(`^/api/v0/ssh/${ID}/$`), auth: 'required', endpoint: 'ssh_keys', handler: deleteAccountKey},
  {method: 'GET', pattern: /^\/api\/v0\/template\/$/, auth: 'required', endpoint: 'templates', handler: templates},
  {method: 'GET', pattern: /^\/api\/v0\/charges\/$/, auth: 'required', endpoint: 'charges', handler: charges},
]
