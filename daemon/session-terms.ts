import type {z} from 'zod'

import type {CreateSessionBody} from '../src/core/api/sessions.js'
import {templateDiskGb, type Template} from '../src/core/template.js'
import type {ServiceContext} from '../src/services/context.js'
import type {IdempotentRequest} from '../src/services/idempotency.js'
import {createRecorded, type CreateSessionInput} from '../src/services/session-service.js'
import type {TemplateService} from '../src/services/template-service.js'

/** What a session is rented on, as both create routes (by offer and by spec) take it. */
export type SessionTermsBody = Omit<z.output<typeof CreateSessionBody>, 'offer_id' | 'idempotency_key'>

/** `template` is the one `body.template` names, resolved: its disk need sets the default disk. */
export function sessionTermsOf(body: SessionTermsBody, template: Template | null = null): Omit<CreateSessionInput, 'offerId'> {
  return {
    consumerId: body.consumer_id,
    workloadType: body.workload_type,
    reservationHours: body.reservation_hours,
    idleThresholdMinutes: body.idle_threshold_minutes,
    storagePolicy: body.storage_policy,
    diskGb: templateDiskGb(body.disk_gb, template),
    templateHashId: body.template_hash_id ?? null,
    template,
    sshPublicKey: body.ssh_public_key ?? null,
    sshKeyIds: body.ssh_key_ids ?? [],
    hardMaxOverride: body.hard_max_override,
    launch: {
      workloadType: body.workload_type,
      image: body.image ?? null,
      onStart: body.on_start ?? null,
      env: body.env ?? {},
      exposePorts: body.expose ?? [],
      modelId: body.model_id ?? null,
    },
    retry: {
      autoRetry: body.auto_retry,
      maxRetries: body.max_retries ?? null,
      scope: body.retry_scope ?? null,
      sshTimeoutSeconds: body.ssh_timeout_seconds ?? null,
    },
  }
}

/**
 * The template a create names, resolved before its intent is recorded (a provider call has no
 * place in that transaction); none for a retry of a create already recorded, which replays its
 * first reply even while the template's provider cannot be asked.
 */
export async function templateOfCreate(
  ctx: ServiceContext,
  templates: TemplateService,
  templateId: string | undefined,
  idempotency: IdempotentRequest,
  by: 'offer' | 'spec',
): Promise<Template | null> {
  if (templateId === undefined || (await createRecorded(ctx, idempotency, by))) return null
  return templates.resolve(templateId, 'template')
}
