import {z} from 'zod'

/** What `GET /api/v1/sessions/:id/diagnostics` found, part by part; a part it could not read is null, with why. */
export const DiagnosticsReply = z.object({
  session_id: z.string(),
  status: z.string(),
  at: z.string(),
  provider: z.object({
    name: z.string(),
    instance_id: z.string().nullable(),
    /** Our reading of the provider's state (provisioning, running, stopped, failed), and its own words. */
    state: z.string().nullable(),
    status_message: z.string().nullable(),
    error: z.string().nullable(),
  }),
  ssh: z.object({
    reachable: z.boolean(),
    target: z.string().nullable(),
    latency_ms: z.number().int().nullable(),
    error: z.string().nullable(),
  }),
  gpus: z
    .array(
      z.object({
        name: z.string(),
        memory_used_mib: z.number().nullable(),
        memory_total_mib: z.number().nullable(),
        utilization_pct: z.number().nullable(),
        temperature_c: z.number().nullable(),
      }),
    )
    .nullable(),
  gpu_error: z.string().nullable(),
  disk: z.object({size_gb: z.number(), used_gb: z.number(), available_gb: z.number(), used_pct: z.number()}).nullable(),
  memory: z.object({total_mib: z.number(), used_mib: z.number(), available_mib: z.number()}).nullable(),
  /** OOM kills the cgroup counted (containers); null where not exposed. */
  oom_kills: z.number().int().nullable(),
  /** Kernel log lines about OOM kills (VMs); null where the kernel log cannot be read. */
  oom_kernel_lines: z.array(z.string()).nullable(),
  workload: z
    .object({
      health_url: z.string().nullable(),
      /** The health check's HTTP status, or why it did not answer. */
      health: z.union([z.number().int(), z.string()]).nullable(),
      log_tail: z.array(z.string()),
    })
    .nullable(),
  /** What stands out, in words, most important first; empty when nothing does. */
  problems: z.array(z.string()),
  simulated: z.boolean(),
})
export type DiagnosticsReply = z.infer<typeof DiagnosticsReply>
