import {Flags} from '@oclif/core'

import {MODEL_SERVER_WORKLOADS, MODEL_SERVERS} from '../../core/workload-launch.js'
import {flagError} from '../errors.js'

/** What to run on the instance, shared by `provision` and `allocations create`. */
export const launchFlags = {
  image: Flags.string({description: 'Container image to run (Vast.ai), or OS image (TensorDock: ubuntu2404, ubuntu2204, ubuntu2004, debian12)'}),
  'on-start': Flags.string({description: 'Command run once on the instance after it is verified, detached; output in ~/.gpu-shopper/workload.log'}),
  env: Flags.string({description: 'Variable for --on-start or the model server, NAME=VALUE, or NAME to take it from your environment (repeatable; values are kept sealed)', multiple: true}),
  expose: Flags.integer({description: 'Port to publish; the session shows its public URL as api_endpoint (repeatable)', multiple: true}),
  'model-id': Flags.string({
    description: `With --workload-type ${MODEL_SERVER_WORKLOADS.join('|')}: the model to serve, e.g. Qwen/Qwen2.5-0.5B-Instruct (${MODEL_SERVER_WORKLOADS.map((w) => `${w}: ${MODEL_SERVERS[w].image} on port ${MODEL_SERVERS[w].port}`).join('; ')})`,
  }),
}

/** The create body's launch fields (core/api/launch.ts). */
export interface LaunchBody {
  image?: string
  on_start?: string
  env?: Record<string, string>
  expose?: number[]
  model_id?: string
}

/** The launch part of a create body from the flags; `--env NAME` reads NAME from `environment`. */
export function launchBody(
  flags: {image?: string; 'on-start'?: string; env?: string[]; expose?: number[]; 'model-id'?: string},
  environment: NodeJS.ProcessEnv = process.env,
): LaunchBody {
  const body: LaunchBody = {}
  if (flags.image !== undefined) body.image = flags.image
  if (flags['on-start'] !== undefined) body.on_start = flags['on-start']
  if (flags['model-id'] !== undefined) body.model_id = flags['model-id']
  if (flags.expose?.length) {
    for (const port of flags.expose) {
      if (port < 1 || port > 65_535) throw flagError('expose', `must be a port number 1-65535 (got ${port})`)
    }
    body.expose = flags.expose
  }
  if (flags.env?.length) {
    const env: Record<string, string> = {}
    for (const entry of flags.env) {
      const at = entry.indexOf('=')
      const name = at === -1 ? entry : entry.slice(0, at)
      if (name.trim() === '') throw flagError('env', `"${entry}" has no name; write NAME=VALUE`)
      if (at === -1) {
        const value = environment[name]
        if (value === undefined) throw flagError('env', `${name} is not set in your environment; write ${name}=VALUE or export it first`)
        env[name] = value
      } else {
        env[name] = entry.slice(at + 1)
      }
    }
    body.env = env
  }
  return body
}
