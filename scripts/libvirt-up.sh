#!/usr/bin/env bash
# Makes this machine a libvirt host for the self-hosted end-to-end tests, idempotently:
#   - an iptables backend that works in this kernel (libvirt's NAT network needs one),
#   - virtlogd and libvirtd running (started by hand where there is no systemd),
#   - /dev/kvm usable by the kvm group, as udev would have made it (where no udev runs),
#   - the `default` NAT network (virbr0, 192.168.122.0/24, dnsmasq DHCP) defined, active, autostarted,
#   - a directory storage pool `gpu-shopper` defined, built, active and autostarted.
#
#   scripts/libvirt-up.sh [pool-dir]        (or GPU_SHOPPER_POOL_DIR; default /var/lib/gpu-shopper/pool)
#
# Needs root and, on Debian 12: libvirt-daemon-system libvirt-clients libvirt-daemon-driver-qemu
# qemu-system-x86 dnsmasq-base iptables. Prints two summary lines; exits non-zero with the reason.
set -euo pipefail

uri=qemu:///system
pool=gpu-shopper
pool_dir=${1:-${GPU_SHOPPER_POOL_DIR:-/var/lib/gpu-shopper/pool}}
net=default
did=()

die() { echo "libvirt-up: $*" >&2; exit 1; }
virsh_q() { virsh -q -c "$uri" "$@"; }
alive() { [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }
use_systemd() { [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; }

[ "$(id -u)" -eq 0 ] || die "must run as root"
command -v virsh >/dev/null 2>&1 || die "virsh not found: apt-get install libvirt-clients libvirt-daemon-system"
case $pool_dir in /*) ;; *) die "pool dir must be an absolute path, got '$pool_dir'" ;; esac

wait_for_libvirtd() {
  local err
  for _ in $(seq 1 60); do
    virsh_q version >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  err=$(virsh_q version 2>&1 >/dev/null) || die "libvirtd does not answer on $uri: $err"
}

start_daemons() {
  if use_systemd; then
    systemctl start virtlogd.socket libvirtd.service >/dev/null 2>&1 ||
      die "systemctl start libvirtd failed: see journalctl -u libvirtd"
    did+=("started libvirtd (systemd)")
  else
    for d in virtlogd libvirtd; do
      command -v "$d" >/dev/null 2>&1 || die "$d not found: apt-get install libvirt-daemon-system"
    done
    # virtlogd first: qemu's console/log output goes through it. A pid file with a live process
    # means it is up (libvirtd may be stopped while virtlogd is not).
    if ! alive /run/virtlogd.pid; then
      virtlogd -d || die "virtlogd -d failed"
      did+=("started virtlogd")
    fi
    if ! alive /run/libvirtd.pid; then # else: running but not answering yet
      libvirtd -d || die "libvirtd -d failed"
      did+=("started libvirtd")
    fi
  fi
  wait_for_libvirtd
}

# libvirt keeps the result of its first firewall setup for the daemon's lifetime: after the
# iptables backend changed it must be restarted. Running domains keep running meanwhile.
restart_libvirtd() {
  if use_systemd; then
    systemctl restart libvirtd.service >/dev/null 2>&1 || die "systemctl restart libvirtd failed"
  else
    if alive /run/libvirtd.pid; then
      kill -TERM "$(cat /run/libvirtd.pid)"
      for _ in $(seq 1 60); do alive /run/libvirtd.pid || break; sleep 0.5; done
      ! alive /run/libvirtd.pid || die "libvirtd (pid $(cat /run/libvirtd.pid)) did not stop for a restart"
    fi
    libvirtd -d || die "libvirtd -d failed"
  fi
  did+=("restarted libvirtd")
  wait_for_libvirtd
}

# --- iptables backend ---------------------------------------------------------------------
# libvirt 9 writes the NAT network's rules with the iptables command (the firewall_backend
# setting came in libvirt 10). Debian's iptables is iptables-nft; where the kernel lacks
# nf_tables (some sandboxes) iptables-legacy may still work, or the other way round: switch
# Debian's iptables/ip6tables alternatives to the one that answers.
switched=no
iptables_works() { "$1" -w -t filter -S >/dev/null 2>&1 && "$1" -w -t nat -S >/dev/null 2>&1; }
if command -v iptables >/dev/null 2>&1 && ! iptables_works iptables; then
  case $(readlink -f /etc/alternatives/iptables 2>/dev/null || true) in
    *legacy*) other=nft ;;
    *) other=legacy ;;
  esac
  err=$(iptables -w -t nat -S 2>&1 >/dev/null || true)
  if [ -x "/usr/sbin/iptables-$other" ] && iptables_works "/usr/sbin/iptables-$other"; then
    update-alternatives --set iptables "/usr/sbin/iptables-$other" >/dev/null
    if [ -x "/usr/sbin/ip6tables-$other" ]; then
      update-alternatives --set ip6tables "/usr/sbin/ip6tables-$other" >/dev/null
    fi
    did+=("switched iptables to iptables-$other")
    switched=yes
  else
    die "neither iptables backend works here (iptables: $err); libvirt's NAT network needs one"
  fi
fi

# --- daemons ------------------------------------------------------------------------------
if ! virsh_q version >/dev/null 2>&1; then
  start_daemons
elif [ $switched = yes ]; then
  restart_libvirtd
fi

# --- /dev/kvm -----------------------------------------------------------------------------
# libvirt runs qemu as libvirt-qemu (group kvm). udev's rule gives /dev/kvm group kvm, mode 0660;
# where no udev runs (containers, sandboxes) the node is root-only and a type='kvm' domain fails
# with "Could not access KVM kernel module: Permission denied". TCG (type='qemu') needs no /dev/kvm.
if [ -c /dev/kvm ] && getent group kvm >/dev/null 2>&1; then
  if [ "$(stat -c %G /dev/kvm)" != kvm ] || [ $((0$(stat -c %a /dev/kvm) & 060)) -ne 48 ]; then
    chgrp kvm /dev/kvm && chmod 0660 /dev/kvm && did+=("gave /dev/kvm to group kvm (0660)")
  fi
fi

# --- network ------------------------------------------------------------------------------
if ! virsh_q net-info "$net" >/dev/null 2>&1; then
  xml=/usr/share/libvirt/networks/default.xml
  if [ ! -r "$xml" ]; then
    xml=$(mktemp)
    cat >"$xml" <<'EOF'
<network>
  <name>default</name>
  <bridge name='virbr0'/>
  <forward/>
  <ip address='192.168.122.1' netmask='255.255.255.0'>
    <dhcp>
      <range start='192.168.122.2' end='192.168.122.254'/>
    </dhcp>
  </ip>
</network>
EOF
  fi
  virsh_q net-define "$xml" >/dev/null || die "virsh net-define $xml failed"
  did+=("defined network $net")
fi
net_active() { virsh_q net-info "$net" 2>/dev/null | awk -F': *' '$1 == "Active" { print $2 }'; }
if [ "$(net_active)" != yes ]; then
  if ! err=$(virsh_q net-start "$net" 2>&1); then
    case $err in
      *iptables* | *firewall* | *nf_tables* | *xtables*)
        # iptables works now (checked above), but libvirtd may still hold the failure of its
        # first firewall setup, from before iptables was fixed: restart it once and retry.
        restart_libvirtd
        err=$(virsh_q net-start "$net" 2>&1) || die "virsh net-start $net failed: $err"
        ;;
      *) die "virsh net-start $net failed: $err" ;;
    esac
  fi
  did+=("started network $net")
fi
# (Output captured first: with pipefail, `virsh ... | grep -q` fails when grep closes the pipe early.)
info=$(virsh_q net-info "$net")
if ! grep -Eq '^Autostart: +yes' <<<"$info"; then
  virsh_q net-autostart "$net" >/dev/null || die "virsh net-autostart $net failed"
  did+=("autostarted network $net")
fi
bridge=$(virsh_q net-info "$net" | awk -F': *' '$1 == "Bridge" { print $2 }')
bridge_ip=$(ip -4 -o addr show dev "$bridge" 2>/dev/null | awk '{ print $4; exit }')

# --- storage pool -------------------------------------------------------------------------
pool_path() { virsh_q pool-dumpxml "$pool" | sed -n 's:^ *<path>\(.*\)</path> *$:\1:p' | sed -n 1p; }
if virsh_q pool-info "$pool" >/dev/null 2>&1; then
  existing=$(pool_path)
  [ "${existing%/}" = "${pool_dir%/}" ] ||
    die "pool $pool already exists at $existing, not $pool_dir (virsh pool-destroy $pool; virsh pool-undefine $pool to move it)"
else
  virsh_q pool-define-as "$pool" dir --target "$pool_dir" >/dev/null ||
    die "virsh pool-define-as $pool dir --target $pool_dir failed"
  did+=("defined pool $pool")
fi
pool_active() { virsh_q pool-info "$pool" | awk -F': *' '$1 == "State" { print $2 }'; }
if [ "$(pool_active)" != running ]; then
  # pool-build makes the folder (root, mode 0711: qemu's user may pass through, not list) and is
  # harmless when it exists.
  virsh_q pool-build "$pool" >/dev/null || die "virsh pool-build $pool failed"
  virsh_q pool-start "$pool" >/dev/null || die "virsh pool-start $pool failed"
  did+=("started pool $pool")
fi
info=$(virsh_q pool-info "$pool")
if ! grep -Eq '^Autostart: +yes' <<<"$info"; then
  virsh_q pool-autostart "$pool" >/dev/null || die "virsh pool-autostart $pool failed"
  did+=("autostarted pool $pool")
fi

if [ -c /dev/kvm ]; then kvm="/dev/kvm present"; else kvm="no /dev/kvm (TCG only)"; fi
version=$(virsh_q version | awk -F': *' '$1 == "Using library" { l = $2 } $1 == "Running hypervisor" { h = $2 } END { print l ", " h }')
if [ ${#did[@]} -eq 0 ]; then what="nothing to do"; else what=$(IFS=';'; echo "${did[*]}"); what=${what//;/, }; fi
echo "libvirt-up: $what"
echo "libvirt-up: $version up; network $net active on $bridge ${bridge_ip:-?}; pool $pool running at $pool_dir; $kvm"
