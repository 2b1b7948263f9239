import type {LaunchProblem, WorkloadLaunch} from './workload-launch.js'

/** What a provider can launch on what it rents (see ProviderCapabilities.launch). */
export interface LaunchSupport {
  /**
   * `container`: any container image (Vast.ai runs Docker images); `os`: one of the provider's
   * OS images (TensorDock's VMs); `none`: the provider decides (a node's base image).
   */
  images: {kind: 'container'; default: string} | {kind: 'os'; names: readonly string[]; default: string} | {kind: 'none'}
  /** Whether ports can be published at a public address (a node's guests sit behind its NAT). */
  exposePorts: boolean
}

/**
 * Why this provider cannot run the launch, or null. Checked when the session is asked for, so
 * nothing is rented for a launch that could never start.
 */
export function launchProblemFor(provider: string, support: LaunchSupport, launch: WorkloadLaunch): LaunchProblem | null {
  const {images} = support
  if (launch.modelId !== null && images.kind !== 'container') {
    return {
      field: 'workload_type',
      message: `a model server runs from its container image, and ${provider} rents ${images.kind === 'os' ? 'VMs from OS images' : 'VMs from its own base image'}, not containers; pick a vastai offer (gpu-shopper inventory --provider vastai)`,
    }
  }
  if (launch.image !== null) {
    if (images.kind === 'none') return {field: 'image', message: `${provider} boots its own base image; leave --image out`}
    if (images.kind === 'os' && !images.names.includes(launch.image)) {
      return {field: 'image', message: `"${launch.image}" is not one of ${provider}'s OS images (${images.names.join(', ')}); ${provider} rents VMs, not containers`}
    }
  }
  if (launch.exposePorts.length > 0 && !support.exposePorts) {
    return {field: 'expose', message: `${provider} cannot publish ports: its VMs are reached through the node; use \`gpu-shopper connect ID --forward PORT\` instead`}
  }
  return null
}
