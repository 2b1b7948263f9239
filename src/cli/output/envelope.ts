/**
 * The one JSON shape every command prints under --json. Success and failure share the `ok`
 * discriminator so a script can check one field; `data` is the command's result and is
 * documented per command.
 */
export interface SuccessEnvelope<T = unknown> {
  ok: true
  data: T
  warnings: string[]
}

export interface ErrorObject {
  message: string
  error_type: string
  request_id?: string
  fix?: string
  exit_code: number
  [extra: string]: unknown
}

export interface FailureEnvelope {
  ok: false
  error: ErrorObject
  warnings: string[]
}

export type Envelope<T = unknown> = SuccessEnvelope<T> | FailureEnvelope

export function successEnvelope<T>(data: T, warnings: string[] = []): SuccessEnvelope<T> {
  return {ok: true, data, warnings}
}

export function failureEnvelope(error: ErrorObject, warnings: string[] = []): FailureEnvelope {
  return {ok: false, error, warnings}
}
