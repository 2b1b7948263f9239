/**
 * Every instance we create carries `gpu-shopper:<deployment_id>:<session_id>` so that a
 * create whose outcome is unknown can be looked up and adopted, and so that reconciliation
 * only ever touches instances of this deployment.
 */
const PREFIX = 'gpu-shopper'

export function instanceLabel(deploymentId: string, sessionId: string): string {
  return `${PREFIX}:${deploymentId}:${sessionId}`
}

export function deploymentLabelPrefix(deploymentId: string): string {
  return `${PREFIX}:${deploymentId}:`
}

export function parseInstanceLabel(label: string | null | undefined): {deploymentId: string; sessionId: string} | null {
  if (!label) return null
  const parts = label.split(':')
  if (parts.length !== 3 || parts[0] !== PREFIX || !parts[1] || !parts[2]) return null
  return {deploymentId: parts[1], sessionId: parts[2]}
}
