import {z} from 'zod'

import {MAX_ENV_VARS, MAX_EXPOSED_PORTS, MAX_IMAGE_LENGTH, MAX_ON_START_LENGTH} from '../workload-launch.js'

/** What to run on the instance, as both create routes take it (checked in full by resolveLaunch). */
export const LaunchFields = {
  /** A container image (Vast.ai) or an OS image (TensorDock). */
  image: z.string().trim().min(1).max(MAX_IMAGE_LENGTH).optional(),
  /** Run once, detached, after the instance is verified. */
  on_start: z.string().max(MAX_ON_START_LENGTH).optional(),
  /** Variables for the workload; kept sealed, never shown again (only their names). */
  env: z
    .record(z.string().max(128), z.string())
    .refine((env) => Object.keys(env).length <= MAX_ENV_VARS, `at most ${MAX_ENV_VARS} variables`)
    .optional(),
  /** Ports to publish (the provider maps each to a public one). */
  expose: z.array(z.number().int()).max(MAX_EXPOSED_PORTS).optional(),
  /** The model a model-serving workload (llm_vllm, llm_tgi) serves: org/name. */
  model_id: z.string().trim().min(1).max(200).optional(),
}

export const LaunchDto = z.object({
  image: z.string().nullable(),
  on_start: z.string().nullable(),
  env_keys: z.array(z.string()),
  expose: z.array(z.number().int()),
  model_id: z.string().nullable(),
  health_path: z.string().nullable(),
})
export type LaunchDto = z.infer<typeof LaunchDto>
