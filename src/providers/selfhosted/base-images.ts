/**
 * Base images are the disk volumes in a node's pool that belong to no slice: what slices are
 * overlaid on. An image may come with a kernel and initrd beside it (`<stem>.vmlinuz`,
 * `<stem>.initrd`), as a root filesystem built with debootstrap does; such an image is booted
 * with that kernel directly, any other from its own boot loader.
 */
export interface BaseImage {
  /** The volume name, as `--base-image` takes it. */
  name: string
  kernel: string | null
  initrd: string | null
}

const DISK_EXTENSION = /\.(qcow2|img|raw)$/
/** Slices' own volumes (see libvirt/domain-names.ts) are never offered as bases. */
const SLICE_VOLUME_PREFIX = 'gpu-shopper_'

export function baseImagesIn(volumes: readonly string[]): BaseImage[] {
  const present = new Set(volumes)
  return volumes
    .filter((name) => DISK_EXTENSION.test(name) && !name.startsWith(SLICE_VOLUME_PREFIX))
    .sort()
    .map((name) => {
      const stem = name.replace(DISK_EXTENSION, '')
      const kernel = `${stem}.vmlinuz`
      const initrd = `${stem}.initrd`
      // A kernel without its initrd cannot mount a virtio root: boot from the disk then.
      const direct = present.has(kernel) && present.has(initrd)
      return {name, kernel: direct ? kernel : null, initrd: direct ? initrd : null}
    })
}
