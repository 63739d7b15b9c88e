#!/usr/bin/env bash
# Boots xenolite as a domU on the real Xen hypervisor (Debian's Xen 4.17 and
# Linux dom0, inside QEMU with TCG) and drives its console: the "would it
# boot on real Xen" check for guests/dist/xenolite. Optional, not part of
# CI: it installs Debian packages and takes a few minutes.
#
#   guests/xenolite/tools/real-xen/run.sh [IMAGE]     (default guests/dist/xenolite)
#   env: XENOLITE_MEMORY (MiB, default 32), XENOLITE_CMDLINE, QUICK=1 (boot, mem, poweroff only)
#
# Needs root and apt (Debian bookworm): qemu-system-x86, busybox-static and
# xen-utils-4.17 are installed; the hypervisor and the dom0 kernel packages
# are only downloaded and unpacked into $XENLAB (default /tmp/xenolite-real-xen).
# Exit status 0 when every step of test.sh passed; transcript in $XENLAB/serial.log.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
image="$(realpath "${1:-$here/../../../dist/xenolite}")"
lab="${XENLAB:-/tmp/xenolite-real-xen}"
mkdir -p "$lab/debs"

# ---- packages ---------------------------------------------------------------
if ! command -v qemu-system-x86_64 >/dev/null || [[ ! -x /usr/lib/xen-4.17/bin/xl ]] || [[ ! -x /bin/busybox ]]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        qemu-system-x86 busybox-static xen-utils-4.17 >/dev/null
fi
if [[ ! -f $lab/xen ]]; then
    kpkg=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
    (cd "$lab/debs" && apt-get download -qq xen-hypervisor-4.17-amd64 "$kpkg")
    rm -rf "$lab/x" "$lab/k"
    dpkg-deb -x "$lab"/debs/xen-hypervisor-4.17-amd64_*.deb "$lab/x"
    dpkg-deb -x "$lab"/debs/"$kpkg"_*.deb "$lab/k"
    zcat "$lab"/x/boot/xen-4.17-amd64.gz > "$lab/xen"
fi
vmlinuz=$(ls "$lab"/k/boot/vmlinuz-* | head -1)
mods=$(ls -d "$lab"/k/lib/modules/*/kernel/drivers/xen | head -1)

# ---- dom0 initramfs: busybox, xl/xenstored/xenconsoled, Xen modules -----------
root="$lab/root"
rm -rf "$root"
mkdir -p "$root"/{bin,etc/xen,proc,sys,dev,tmp,run,lib/modules,lib/x86_64-linux-gnu} \
         "$root"/var/{run/xen,lib/xen,lib/xenstored,log/xen/console} "$root/usr/lib/xen-4.17/bin"
cp /bin/busybox "$root/bin/"
for b in /usr/lib/xen-4.17/bin/{xl,xenstored,xenconsoled,xen-init-dom0} /usr/bin/xenstore; do
    cp "$b" "$root/usr/lib/xen-4.17/bin/"
    for lib in $(ldd "$b" | awk '/=>/ {print $3} /ld-linux/ {print $1}'); do
        mkdir -p "$root$(dirname "$lib")"
        cp -L "$lib" "$root$lib"
    done
done
cp -L /lib/x86_64-linux-gnu/libgcc_s.so.1 "$root/lib/x86_64-linux-gnu/"   # dlopen()ed by xl
for t in read write; do ln -sf /usr/lib/xen-4.17/bin/xenstore "$root/bin/xenstore-$t"; done
cp "$mods"/{xen-privcmd,xen-evtchn,xen-gntdev,xen-gntalloc}.ko "$mods/xenfs/xenfs.ko" "$root/lib/modules/"
touch "$root/etc/xen/xl.conf"
cp "$here/init" "$here/test.sh" "$root/"
chmod +x "$root/init" "$root/test.sh"
cp "$image" "$root/xenolite"
[[ -n ${QUICK-} ]] && touch "$root/quick"
cat > "$root/xenolite.cfg" <<CFG
name = "xenolite-test"
kernel = "/xenolite"
memory = ${XENOLITE_MEMORY:-32}
vcpus = 1
on_poweroff = "destroy"
on_reboot = "restart"
on_crash = "preserve"
extra = "${XENOLITE_CMDLINE-}"
CFG
(cd "$root" && find . | busybox cpio -o -H newc 2>/dev/null | gzip -1) > "$lab/initrd.gz"

# ---- run --------------------------------------------------------------------
log="$lab/serial.log"
: > "$log"
qemu-system-x86_64 -accel tcg,thread=multi -cpu max,-smap,-smep -m 1024 -smp 2 -nographic -no-reboot \
    -kernel "$lab/xen" \
    -append "console=com1 com1=115200 dom0_mem=512M loglvl=all guest_loglvl=all noreboot cet=no-shstk,no-ibt" \
    -initrd "$vmlinuz console=hvc0 quiet,$lab/initrd.gz" \
    -serial "file:$log" -monitor none </dev/null >/dev/null 2>&1 &
qpid=$!
for ((i = 0; i < ${TIMEOUT:-900}; i++)); do
    sleep 1
    grep -aq -e "XTEST RESULT" -e "Dom0 crashed" -e "Panic on CPU" "$log" && break
    kill -0 $qpid 2>/dev/null || break
done
sleep 1
kill $qpid 2>/dev/null || true
wait $qpid 2>/dev/null || true
grep -a "^XTEST" "$log" || true
grep -aq "XTEST RESULT: [0-9]* passed, 0 failed" "$log"
