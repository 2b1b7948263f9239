/**
 * What a node's discovery reads about libvirt and the host's size, in one SSH round trip:
 * libvirt's version, whether KVM is there, the storage pool (path, capacity, free space, its
 * volumes: base images among them), the network, and the tools provisioning runs on the node.
 *
 * Like the host probe the script is a constant fed to `sh -s`; the three things it is asked
 * about (connection URI, pool, network) arrive as positional parameters, quoted by the caller
 * from validated values, and are only ever used as "$1" "$2" "$3".
 *
 * Output (libvirt-facts.ts reads it): a version line, `key=value` lines, one `volume=<name>`
 * line per volume in the pool, then `[end]`.
 */
export const LIBVIRT_FACTS_VERSION_LINE = 'gpu-shopper libvirt facts 1'
export const LIBVIRT_FACTS_END = '[end]'

export const LIBVIRT_FACTS_SCRIPT = `export LC_ALL=C
uri=$1 pool=$2 net=$3
echo '${LIBVIRT_FACTS_VERSION_LINE}'
echo "cpus=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 0)"
awk '$1 == "MemTotal:" { print "mem_total_kb=" $2 }' /proc/meminfo
for tool in virsh qemu-img genisoimage base64; do
  if command -v "$tool" >/dev/null 2>&1; then echo "tool_$tool=yes" | tr - _; else echo "tool_$tool=no" | tr - _; fi
done
if ! command -v virsh >/dev/null 2>&1; then echo 'libvirt=missing'; echo '${LIBVIRT_FACTS_END}'; exit 0; fi
version=$(virsh -c "$uri" version --daemon 2>&1)
if [ $? -ne 0 ]; then
  echo 'libvirt=unreachable'
  echo "libvirt_error=$(printf '%s' "$version" | tr '\\n' ' ' | cut -c1-300)"
  echo '${LIBVIRT_FACTS_END}'
  exit 0
fi
echo 'libvirt=reachable'
printf '%s\\n' "$version" | awk -F': *' '
  $1 == "Running against daemon" { print "libvirt_version=" $2 }
  $1 == "Running hypervisor" { print "hypervisor=" $2 }'
if [ -e /dev/kvm ] && virsh -c "$uri" domcapabilities --virttype kvm >/dev/null 2>&1; then echo 'kvm=yes'; else echo 'kvm=no'; fi
if info=$(virsh -c "$uri" pool-info --bytes "$pool" 2>/dev/null); then
  printf '%s\\n' "$info" | awk -F': *' '
    $1 == "State" { print "pool_state=" $2 }
    $1 == "Capacity" { print "pool_capacity_bytes=" $2 }
    $1 == "Available" { print "pool_available_bytes=" $2 }'
  virsh -c "$uri" pool-dumpxml "$pool" 2>/dev/null | sed -n 's:^ *<path>\\(.*\\)</path> *$:pool_path=\\1:p' | head -n 1
  virsh -c "$uri" vol-list --pool "$pool" 2>/dev/null | awk 'NR > 2 && NF > 0 { print "volume=" $1 }'
else
  echo 'pool_state=missing'
fi
if state=$(virsh -c "$uri" net-info "$net" 2>/dev/null); then
  printf '%s\\n' "$state" | awk -F': *' '$1 == "Active" { print "network_active=" $2 }'
else
  echo 'network_active=missing'
fi
echo '${LIBVIRT_FACTS_END}'
`
