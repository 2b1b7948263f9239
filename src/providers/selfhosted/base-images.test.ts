import {describe, expect, it} from 'vitest'

import {baseImagesIn} from './base-images.js'

describe('baseImagesIn', () => {
  it('offers disk volumes that belong to no slice, with a kernel only when both halves are there', () => {
    expect(
      baseImagesIn([
        'gpu-shopper_dep-1a2b3c4d_sess-0a1b2c3d4e5f.qcow2',
        'gpu-shopper_dep-1a2b3c4d_sess-0a1b2c3d4e5f-seed.iso',
        'debian-12-base.qcow2',
        'debian-12-base.vmlinuz',
        'debian-12-base.initrd',
        'ubuntu-24.04.img',
        'ubuntu-24.04.vmlinuz',
        'notes.txt',
      ]),
    ).toEqual([
      {name: 'debian-12-base.qcow2', kernel: 'debian-12-base.vmlinuz', initrd: 'debian-12-base.initrd'},
      {name: 'ubuntu-24.04.img', kernel: null, initrd: null},
    ])
  })
})
