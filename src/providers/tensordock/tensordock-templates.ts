import {makeTemplateId, type Template, type TemplateDriver} from '../../core/template.js'

/**
 * TensorDock has no templates: a VM boots one of its OS images (providers.md §2.6). Each image
 * is offered as a template so it can be picked the same way, with what was learnt live about
 * its NVIDIA driver (providers.md §2.11, pitfall 7).
 */
interface ImageFacts {
  name: string
  driver: TemplateDriver
  description: string
}

const IMAGE_FACTS: Readonly<Record<string, ImageFacts>> = {
  ubuntu2204: {
    name: 'Ubuntu 22.04',
    driver: 'installed',
    description:
      'Ubuntu 22.04 VM with NVIDIA driver packages installed; live they were at times half-configured (DKMS module not built) until repaired, ' +
      'and unattended-upgrades can hold the package lock for a few minutes after boot.',
  },
  ubuntu2404: {
    name: 'Ubuntu 24.04',
    driver: 'missing',
    description: 'Ubuntu 24.04 VM without an NVIDIA driver (seen live): install one before the GPU can be used.',
  },
  ubuntu2004: {
    name: 'Ubuntu 20.04',
    driver: 'unverified',
    description: 'Ubuntu 20.04 VM; whether it carries an NVIDIA driver has not been seen live.',
  },
  debian12: {
    name: 'Debian 12',
    driver: 'unverified',
    description: 'Debian 12 VM; whether it carries an NVIDIA driver has not been seen live.',
  },
}

/**
 * `images` as templates, `recommended` being the one to boot by default; each needs TensorDock's
 * minimum disk.
 */
export function tensorDockImageTemplates(images: readonly string[], recommended: string, minStorageGb: number): Template[] {
  return images.map((image) => {
    const facts = IMAGE_FACTS[image] ?? {name: image, driver: 'unverified' as const, description: `${image} VM; whether it carries an NVIDIA driver has not been seen live.`}
    return {
      id: makeTemplateId('tensordock', image),
      provider: 'tensordock',
      providerTemplateId: image,
      name: facts.name,
      description: facts.description,
      image,
      onStart: null,
      exposedPorts: [],
      envNames: [],
      // A VM's CUDA is whatever driver it gets; TensorDock's offers do not say, so none is required.
      minCudaVersion: null,
      recommendedDiskGb: minStorageGb,
      recommended: image === recommended,
      nvidiaDriver: facts.driver,
    }
  })
}
