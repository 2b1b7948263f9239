/**
 * A small client for the simulators' `/_sim/` control API, for tests and the demo. Throws on
 * any non-2xx reply with the status and body, so a mistyped control call fails loudly.
 */
export async function simControl<T = unknown>(baseUrl: string, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(baseUrl + path, {
    method,
    headers: body === undefined ? {} : {'Content-Type': 'application/json'},
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await res.text()
  if (!res.ok) throw new Error(`${method} ${path} → ${res.status}: ${text}`)
  return (text ? JSON.parse(text) : undefined) as T
}
