# Sourced: fetch_kernels downloads the Debian kernels the lab uses (once,
# cached in $LAB/cache) and sets L1_VMLINUZ, L2_VMLINUZ, L1_MODULES.
# L1 is the generic kernel (it loads kvm-amd), L2 the cloud kernel (the guest).
# Needs LAB and a log function.
fetch_kernels() {
	mkdir -p "$LAB/cache"
	if ! ls "$LAB"/cache/linux-image-*-cloud-amd64_*.deb >/dev/null 2>&1; then
		abi=$(apt-cache depends linux-image-amd64 2>/dev/null |
		      sed -n 's/.*Depends: linux-image-\(.*\)-amd64$/\1/p' | head -n1)
		if [ -z "$abi" ] && [ "$(id -u)" = 0 ]; then
			apt-get update -qq >/dev/null 2>&1 || true
			abi=$(apt-cache depends linux-image-amd64 2>/dev/null |
			      sed -n 's/.*Depends: linux-image-\(.*\)-amd64$/\1/p' | head -n1)
		fi
		[ -n "$abi" ] || { log "cannot find the Debian kernel (run apt-get update)"; exit 1; }
		log "downloading linux-image-$abi-amd64 and -cloud-amd64"
		(cd "$LAB/cache" && apt-get download -q "linux-image-$abi-amd64" \
			"linux-image-$abi-cloud-amd64" >/dev/null 2>&1)
	fi
	l2deb=$(ls "$LAB"/cache/linux-image-*-cloud-amd64_*.deb | head -n1)
	l1deb=$(ls "$LAB"/cache/linux-image-*-amd64_*.deb | grep -v cloud | head -n1)
	# (dpkg-deb gives the unpacked tree the package's old mtimes: use a stamp)
	if [ ! -e "$LAB/kernels.stamp" ] || [ "$l1deb" -nt "$LAB/kernels.stamp" ] ||
	   [ "$l2deb" -nt "$LAB/kernels.stamp" ]; then
		rm -rf "$LAB/l1-kernel" "$LAB/l2-kernel"
		dpkg-deb -x "$l1deb" "$LAB/l1-kernel"
		dpkg-deb -x "$l2deb" "$LAB/l2-kernel"
		touch "$LAB/kernels.stamp"
	fi
	L1_VMLINUZ=$(ls "$LAB"/l1-kernel/boot/vmlinuz-*)
	L2_VMLINUZ=$(ls "$LAB"/l2-kernel/boot/vmlinuz-*)
	L1_MODULES=$(ls -d "$LAB"/l1-kernel/lib/modules/*/kernel)
}

