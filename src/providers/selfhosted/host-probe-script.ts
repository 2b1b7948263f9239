/**
 * What a node's passthrough preflight reads from the host, in one SSH round trip: every PCI
 * function, the host facts VFIO depends on, and which processes hold GPU device files.
 *
 * The script is a constant: nothing in it comes from the user, a node's name or a previous
 * reply, so it needs no quoting and cannot be steered. It is meant to be fed to `sh -s` on
 * stdin. It only reads (sysfs, procfs, /lib/modules) and stays POSIX sh plus what every Linux
 * server has (awk, grep, sort, id, uname); the one GNU-only step, `find -lname -printf`, is
 * tried first and reported as `scan=unavailable` where it is missing rather than read as "no
 * process". Reading other users' /proc/<pid>/fd needs root: without it the scan says
 * `own-processes`, and the preflight says it could not see everything.
 *
 * Output (host-probe.ts reads it): a version line, then sections in this order, then `[end]`
 * so that a cut-off reply is told apart from a short one:
 *   [devices]            `<address> vendor=0x.. device=0x.. class=0x.. driver=<name> iommu_group=<n> numa=<n>`
 *   [host]               `key=value`: iommu_groups, cmdline, cpu_vendor, hypervisor, vfio_pci,
 *                        mem_available_kb, hugepages_total, hugepages_free, hugepage_size_kb
 *   [device-nodes]       `<address> node=/dev/...`: NVIDIA minors and DRM cards/render nodes per function
 *   [open-device-nodes]  `scan=complete|own-processes|unavailable`, then `pid=<n> node=/dev/... comm=<name>`
 */

export const PROBE_VERSION_LINE = 'gpu-shopper host probe 1'
export const PROBE_SECTIONS = ['devices', 'host', 'device-nodes', 'open-device-nodes'] as const
export type ProbeSection = (typeof PROBE_SECTIONS)[number]
export const PROBE_END = '[end]'

// In this template literal `\${` is the shell's `${` and `\\` one backslash (find's `\(`, `\n`).
export const HOST_PROBE_SCRIPT = `export LC_ALL=C
echo '${PROBE_VERSION_LINE}'

echo '[devices]'
for d in /sys/bus/pci/devices/*; do
  [ -r "$d/vendor" ] || continue
  read -r vendor < "$d/vendor"
  read -r device < "$d/device"
  read -r class < "$d/class"
  # Both are symlinks whose last component is the answer (../drivers/nvidia, ../iommu_groups/12).
  driver=$(cd -P "$d/driver" 2>/dev/null && pwd)
  group=$(cd -P "$d/iommu_group" 2>/dev/null && pwd)
  numa=-1
  [ -r "$d/numa_node" ] && read -r numa < "$d/numa_node"
  echo "\${d##*/} vendor=$vendor device=$device class=$class driver=\${driver##*/} iommu_group=\${group##*/} numa=$numa"
done

echo '[host]'
set -- /sys/kernel/iommu_groups/*
if [ -e "$1" ]; then echo "iommu_groups=$#"; else echo 'iommu_groups=0'; fi
read -r cmdline < /proc/cmdline
echo "cmdline=$cmdline"
awk '$1 == "vendor_id" { v = $3; exit } END { print "cpu_vendor=" v }' /proc/cpuinfo
if grep -Eq '^flags.*[[:space:]]hypervisor([[:space:]]|$)' /proc/cpuinfo; then echo 'hypervisor=yes'; else echo 'hypervisor=no'; fi
# Loaded (or built in) shows as a PCI driver; otherwise the module index says whether it could be.
modules=/lib/modules/$(uname -r)
if [ -d /sys/bus/pci/drivers/vfio-pci ]; then echo 'vfio_pci=loaded'
elif grep -Fqs '/vfio-pci.ko' "$modules/modules.dep" "$modules/modules.builtin"; then echo 'vfio_pci=available'
elif [ -r "$modules/modules.dep" ]; then echo 'vfio_pci=missing'
else echo 'vfio_pci=unknown'; fi
awk '$1 == "MemAvailable:" { print "mem_available_kb=" $2 }
  $1 == "HugePages_Total:" { print "hugepages_total=" $2 }
  $1 == "HugePages_Free:" { print "hugepages_free=" $2 }
  $1 == "Hugepagesize:" { print "hugepage_size_kb=" $2 }' /proc/meminfo

echo '[device-nodes]'
for f in /proc/driver/nvidia/gpus/*/information; do
  [ -r "$f" ] || continue
  a=\${f%/information}
  echo "\${a##*/} node=/dev/nvidia$(awk '$1 == "Device" && $2 == "Minor:" { print $3 }' "$f")"
done
for n in /sys/bus/pci/devices/*/drm/card* /sys/bus/pci/devices/*/drm/renderD*; do
  [ -e "$n" ] || continue
  a=\${n%/drm/*}
  echo "\${a##*/} node=/dev/dri/\${n##*/}"
done

echo '[open-device-nodes]'
if ! find /proc/self/fd -maxdepth 0 -lname none -printf '' >/dev/null 2>&1; then
  echo 'scan=unavailable'
else
  if [ "$(id -u)" = 0 ]; then echo 'scan=complete'; else echo 'scan=own-processes'; fi
  # /dev/nvidiaN and /dev/dri/* belong to one GPU each; /dev/vfio/N is IOMMU group N held by a VM.
  find /proc/[0-9]*/fd -mindepth 1 -maxdepth 1 \\( -lname '/dev/nvidia[0-9]*' -o -lname '/dev/dri/*' -o -lname '/dev/vfio/[0-9]*' \\) \\
      -printf '%h %l\\n' 2>/dev/null | sort -u | while read -r dir node; do
    pid=\${dir#/proc/}
    pid=\${pid%/fd}
    # Any process can name itself anything, line breaks included: keep its name to one printable line.
    echo "pid=$pid node=$node comm=$(tr -d '\\n' < "/proc/$pid/comm" 2>/dev/null | tr -c '[:graph:] ' '?')"
  done
fi
echo '${PROBE_END}'
`
