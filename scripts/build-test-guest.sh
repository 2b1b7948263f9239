#!/usr/bin/env bash
# Builds the tiny Debian 12 guest that the self-hosted end-to-end tests boot on this machine's
# libvirt (the test "node"): a root filesystem made with debootstrap, holding openssh-server,
# cloud-init (NoCloud: hostname from meta-data, users and ssh keys from user-data, DHCP on the
# first NIC through ifupdown) and the cloud kernel, whose initramfs has virtio and ext4/iso9660.
#
#   scripts/build-test-guest.sh <output-dir>
#
# Writes, in <output-dir>:
#   debian-12-base.qcow2    the root filesystem: ext4 on the whole disk, no partition table
#   debian-12-base.vmlinuz  kernel and initramfs for direct kernel boot with
#   debian-12-base.initrd     root=/dev/vda rw console=ttyS0
#   debian-12-base.ready    written last; without it the outputs are an interrupted build
# and does nothing when they are already there. No loop mounts: the image is made with
# `mkfs.ext4 -d` from the debootstrapped folder, then converted with `qemu-img convert`.
#
# Needs root and the packages debootstrap, e2fsprogs, qemu-utils, util-linux (unshare), and a
# Debian mirror (DEBIAN_MIRROR, default http://deb.debian.org/debian). Downloaded .debs are kept
# in GUEST_DEB_CACHE (default /var/cache/gpu-shopper-test-guest-debs) so a rebuild needs no
# download; delete that folder to start from nothing. GUEST_KEEP_BUILD=1 keeps the build folder
# (<output-dir>/.build: root tree and logs) for a look after a failure.
set -euo pipefail

usage() { echo "usage: $0 <output-dir>" >&2; exit 2; }
die() { echo "build-test-guest: $*" >&2; exit 1; }
[ $# -eq 1 ] || usage
[ "$(id -u)" -eq 0 ] || die "must run as root (debootstrap and chroot need it)"
for tool in debootstrap mkfs.ext4 qemu-img unshare chroot; do
  command -v "$tool" >/dev/null 2>&1 ||
    die "$tool not found (apt-get install debootstrap e2fsprogs qemu-utils util-linux)"
done

out=$(realpath -m "$1")
name=debian-12-base
suite=bookworm
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
debcache=$(realpath -m "${GUEST_DEB_CACHE:-/var/cache/gpu-shopper-test-guest-debs}")
qcow2=$out/$name.qcow2
kernel=$out/$name.vmlinuz
initrd=$out/$name.initrd
ready=$out/$name.ready
cmdline='root=/dev/vda rw console=ttyS0'

if [ -s "$ready" ] && [ -s "$qcow2" ] && [ -s "$kernel" ] && [ -s "$initrd" ]; then
  echo "build-test-guest: $out already has a complete $name (delete $ready to rebuild)"
  exit 0
fi

started=$(date +%s)
mkdir -p "$out" "$debcache/partial"
rm -f "$ready" "$qcow2" "$kernel" "$initrd"
work=$out/.build
root=$work/root
# Every path written below is under $root; guard against an empty or "/" root however the
# script is changed later.
case $root in /?*/.build/root) ;; *) die "refusing to build in '$root'" ;; esac
# A previous run that was interrupted may have left its folder. Its mounts lived in a private
# mount namespace (below) and are gone with it; --one-file-system guards anyway.
rm -rf --one-file-system "$work"
mkdir -p "$work"
cleanup() { [ "${GUEST_KEEP_BUILD:-0}" = 1 ] || rm -rf --one-file-system "$work"; }
trap cleanup EXIT

# Guest packages, installed with apt in the chroot after a plain minbase debootstrap: debootstrap's
# own resolver doesn't follow virtual packages (with --include=cloud-init, python3-cryptography
# fails to configure: python3-cffi-backend-api-min is not installed). No Recommends. cloud-init
# pulls python3, isc-dhcp-client and locales; ifupdown is what cloud-init's eni renderer writes
# for (as on Debian 12's own cloud images), and dhclient also fills resolv.conf.
packages='systemd-sysv udev kmod dbus openssh-server cloud-init ifupdown isc-dhcp-client iproute2 netbase sudo zstd linux-image-cloud-amd64'

echo "build-test-guest: debootstrap --variant=minbase $suite ($mirror)"
# In a private mount namespace: the /proc and /sys that debootstrap mounts in the target vanish
# with it even when the build is killed half way.
if ! unshare --mount --propagation private \
  debootstrap --variant=minbase --cache-dir="$debcache" "$suite" "$root" "$mirror" \
  >"$work/debootstrap.log" 2>&1; then
  tail -n 30 "$work/debootstrap.log" >&2
  if [ -f "$root/debootstrap/debootstrap.log" ]; then
    cp "$root/debootstrap/debootstrap.log" "$out/debootstrap-failure.log"
  fi
  die "debootstrap failed (log above; the target's own log, if any: $out/debootstrap-failure.log)"
fi

# Runs a shell script in the chroot with a read-only /proc and the .deb cache mounted, in a
# private mount namespace (gone with the process, however it ends). No service starts in it.
# Never the host's /dev nor /sys: the packages' maintainer scripts (systemd-tmpfiles' static
# nodes) would re-own host device nodes with the guest's group ids (seen: /dev/kvm given the
# guest's kvm gid, /dev/net/tun and /dev/fuse 0666). The chroot keeps the few nodes debootstrap
# made in its /dev with mknod.
in_chroot() {
  printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
  chmod 0755 "$root/usr/sbin/policy-rc.d"
  local rc=0
  # shellcheck disable=SC2016 # expanded by the inner sh
  unshare --mount --propagation private sh -ec '
    root=$1 cache=$2 script=$3
    mount -t proc -o ro,nosuid,nodev,noexec proc "$root/proc"
    mount --bind "$cache" "$root/var/cache/apt/archives"
    exec chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
      DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 /bin/sh -ec "$script"
  ' sh "$root" "$debcache" "$1" || rc=$?
  rm -f "$root/usr/sbin/policy-rc.d"
  return "$rc"
}

# --- configuration that must be in place before the packages install ----------------------
# initramfs: only what a libvirt guest with virtio disk, NIC and a cidata CD-ROM needs; a small
# initramfs unpacks quicker under TCG. Built once, when the kernel installs (zstd-compressed:
# the zstd package is in the list below). The cloud kernel has no AHCI driver, so q35's default
# SATA CD-ROM is invisible to it: put the cidata CD-ROM on a virtio-scsi controller
# (<target bus='scsi'/>), or on IDE with machine type pc (ata_piix).
mkdir -p "$root/etc/initramfs-tools/conf.d"
echo 'MODULES=list' >"$root/etc/initramfs-tools/conf.d/gpu-shopper-test.conf"
printf '%s\n' virtio_pci virtio_blk virtio_net virtio_scsi virtio_rng virtio_console \
  ext4 isofs sr_mod cdrom ata_piix >>"$root/etc/initramfs-tools/modules"
# Keep docs, man pages and translations out of the image.
printf '%s\n' 'path-exclude /usr/share/doc/*' 'path-include /usr/share/doc/*/copyright' \
  'path-exclude /usr/share/man/*' 'path-exclude /usr/share/info/*' \
  'path-exclude /usr/share/locale/*' 'path-include /usr/share/locale/locale.alias' \
  >"$root/etc/dpkg/dpkg.cfg.d/01-gpu-shopper-test-nodoc"

echo "build-test-guest: apt-get install $packages"
if ! in_chroot "apt-get -o APT::Sandbox::User=root update -qq
  apt-get -o APT::Sandbox::User=root install -y -q --no-install-recommends $packages" \
  >"$work/apt.log" 2>&1; then
  tail -n 40 "$work/apt.log" >&2
  die "apt-get install in the chroot failed (log above)"
fi

# --- configuration ------------------------------------------------------------------------
printf '%s\n' '/dev/vda / ext4 defaults,errors=remount-ro 0 0' >"$root/etc/fstab"
printf '%s\n' \
  '# cloud-init writes the NIC stanza to interfaces.d/50-cloud-init (DHCP on the first NIC)' \
  'source /etc/network/interfaces.d/*' '' 'auto lo' 'iface lo inet loopback' \
  >"$root/etc/network/interfaces"
mkdir -p "$root/etc/network/interfaces.d"
: >"$root/etc/resolv.conf"
echo localhost >"$root/etc/hostname"
printf '127.0.0.1\tlocalhost\n::1\t\tlocalhost ip6-localhost ip6-loopback\n' >"$root/etc/hosts"

cat >"$root/etc/cloud/cloud.cfg.d/90-gpu-shopper-test.cfg" <<'CLOUDCFG'
# gpu-shopper test guest: the seed is a NoCloud CD-ROM labelled cidata; nothing else is probed.
datasource_list: [NoCloud, None]
manage_etc_hosts: localhost
# Host keys are made at every first boot; ed25519/ecdsa are quick even under TCG.
ssh_genkeytypes: [ed25519, ecdsa]
# Only the modules a test VM needs (fewer Python imports: boots faster under TCG); the config and
# final stages do not run at all (their units are masked below).
cloud_init_modules:
  - seed_random
  - bootcmd
  - write_files
  - growpart
  - resizefs
  - disk_setup
  - mounts
  - set_hostname
  - update_hostname
  - update_etc_hosts
  - users_groups
  - ssh
CLOUDCFG

# sshd: host keys are removed below so every VM gets its own (cloud-init's ssh module makes them
# before ssh.service); should cloud-init not run, ssh-keygen -A still lets sshd start.
mkdir -p "$root/etc/systemd/system/ssh.service.d"
printf '%s\n' '[Service]' 'ExecStartPre=' 'ExecStartPre=/usr/bin/ssh-keygen -A' \
  'ExecStartPre=/usr/sbin/sshd -t' >"$root/etc/systemd/system/ssh.service.d/10-hostkeys.conf"
echo 'UseDNS no' >"$root/etc/ssh/sshd_config.d/10-gpu-shopper-test.conf"

# Boot-time work a short-lived test VM doesn't want (systemctl edits links offline in a chroot).
# cloud-init's config and final stages run after sshd is up and do nothing the seed asks for
# (users, keys and hostname are the init stage's): under TCG each would take ~20 s of both cores
# while the tests use the VM.
# shellcheck disable=SC2016 # expanded in the chroot
in_chroot '
  for unit in apt-daily.timer apt-daily-upgrade.timer dpkg-db-backup.timer e2scrub_all.timer \
    e2scrub_reap.service fstrim.timer man-db.timer getty@tty1.service systemd-timesyncd.service \
    cloud-config.service cloud-final.service; do
    systemctl mask "$unit" >/dev/null 2>&1 || true
  done
  systemctl enable ssh.service networking.service
' >"$work/systemctl.log" 2>&1 || { cat "$work/systemctl.log" >&2; die "systemctl in the chroot failed"; }

kver=$(find "$root/lib/modules" -mindepth 1 -maxdepth 1 -printf '%f\n' | sort | tail -n 1)
if [ -z "$kver" ] || [ ! -f "$root/boot/vmlinuz-$kver" ] || [ ! -f "$root/boot/initrd.img-$kver" ]; then
  die "no kernel or initramfs for '$kver' in $root/boot"
fi
in_chroot "lsinitramfs /boot/initrd.img-$kver" >"$work/initramfs.list" 2>&1 ||
  { cat "$work/initramfs.list" >&2; die "lsinitramfs failed"; }
for m in virtio_pci virtio_blk virtio_net virtio_scsi ext4 isofs sr_mod; do
  # a module file in the initramfs, or built into the kernel
  grep -q "/$m\.ko" "$work/initramfs.list" ||
    grep -q "/$m\.ko\$" "$root/lib/modules/$kver/modules.builtin" ||
    die "initramfs lacks $m"
done

# --- outputs ------------------------------------------------------------------------------
cp "$root/boot/vmlinuz-$kver" "$work/vmlinuz"
cp "$root/boot/initrd.img-$kver" "$work/initrd"
# Direct kernel boot: the root filesystem needn't carry them.
rm -f "$root/boot/vmlinuz-$kver" "$root/boot/initrd.img-$kver" "$root"/vmlinuz* "$root"/initrd.img*

# Per-instance identity comes at first boot: machine-id (else every clone asks DHCP with the
# same DUID and gets the same lease), ssh host keys, cloud-init's state.
: >"$root/etc/machine-id"
rm -f "$root/var/lib/dbus/machine-id" "$root"/etc/ssh/ssh_host_*
rm -rf "${root:?}/var/lib/cloud"/* "$root"/var/log/*.log "$root"/var/log/apt/*
# Size: package lists and caches (docs, man pages and translations were never unpacked, but
# debootstrap's own packages brought some).
rm -rf "${root:?}"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/debconf/*-old \
  "$root"/usr/share/man/* "$root"/usr/share/info/*
find "$root/usr/share/doc" -mindepth 1 ! -name copyright ! -type d -delete
find "$root/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} +

# ext4 filesystem image of the root folder, no partition table, with room to spare (which
# qcow2 doesn't store). cloud-init's resizefs grows it to the overlay's size at first boot.
used_mb=$(du -s -m --apparent-size "$root" | cut -f1)
size_mb=$((used_mb * 13 / 10 + 512))
mkfs.ext4 -q -F -L rootfs -d "$root" "$work/root.img" "${size_mb}M" >/dev/null
qemu-img convert -f raw -O qcow2 "$work/root.img" "$work/root.qcow2"

mv "$work/vmlinuz" "$kernel"
mv "$work/initrd" "$initrd"
mv "$work/root.qcow2" "$qcow2"
chmod 0644 "$kernel" "$initrd" "$qcow2"
elapsed=$(($(date +%s) - started))
{
  echo "name=$name"
  echo "suite=$suite"
  echo "kernel_version=$kver"
  echo "cmdline=$cmdline"
  echo "filesystem_mb=$size_mb"
  echo "qcow2_bytes=$(stat -c %s "$qcow2")"
  echo "built_at=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "build_seconds=$elapsed"
} >"$ready.tmp"
mv "$ready.tmp" "$ready"
echo "build-test-guest: built $name in ${elapsed}s: qcow2 $(du -h --apparent-size "$qcow2" | cut -f1)" \
  "(ext4 ${size_mb} MiB), kernel $kver, initrd $(du -h --apparent-size "$initrd" | cut -f1)"
