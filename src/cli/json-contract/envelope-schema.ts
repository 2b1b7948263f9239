import {z} from 'zod'

/**
 * The `--json` envelope of every command (../envelope.ts) as a zod schema, the source of
 * `schemas/envelope.json`; each command's `data` has its own schema.
 */
const warnings = z.array(z.string()).describe('What the user should know that did not stop the command')

export const SuccessEnvelope = z.object({
  ok: z.literal(true),
  data: z.unknown().describe('The command\'s result: see schemas/commands/<command>.json'),
  warnings,
})

export const ErrorObject = z
  .object({
    message: z.string(),
    error_type: z.string().describe('The kind of error, for scripts to branch on, e.g. not_found, validation_error, insufficient_balance'),
    request_id: z.string().optional().describe('The daemon\'s request id, when the error came from it'),
    fix: z.string().optional().describe('What to do about it'),
    exit_code: z.number().int().describe('The process\'s exit code, the same with and without --json'),
  })
  .catchall(z.unknown())
  .describe('Errors may carry more fields about what went wrong, e.g. consumer_id and remaining_micro_usd for insufficient_balance')

export const FailureEnvelope = z.object({
  ok: z.literal(false),
  error: ErrorObject,
  warnings,
})

export const Envelope = z
  .discriminatedUnion('ok', [SuccessEnvelope, FailureEnvelope])
  .describe('What every gpu-shopper command prints on stdout under --json: one JSON document, whether it succeeded or failed.')
