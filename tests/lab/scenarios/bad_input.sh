# Errors that need a real KVM to reach: more vCPUs than the host allows and
# a missing /dev/kvm. One line naming the value, status 1, no guest started.
. /lab/lib.sh
OUT=/tmp/bad.out
kvm_max=$($MERIDIAN probe | sed -n 's/.*up to \([0-9]*\) vCPUs.*/\1/p')
[ -n "$kvm_max" ] || fail "meridian probe did not report the vCPU limit"
ok "KVM allows $kvm_max vCPUs"
limit=$kvm_max
[ "$limit" -gt 254 ] && limit=254
run_guest $OUT -c $((limit + 1))
expect_status 1
expect $OUT "^meridian: --cpus $((limit + 1)): at most $limit here \\(KVM allows $kvm_max, meridian's xAPIC tables 254\\)\$" "vCPU limit error"
[ "$(wc -l < $OUT)" = 1 ] || fail "more than one line: $(cat $OUT)"

mv /dev/kvm /dev/kvm.hidden
run_guest $OUT
mv /dev/kvm.hidden /dev/kvm
expect_status 1
expect $OUT '^meridian: /dev/kvm: No such file or directory \(is the kvm module loaded, and may this user open it\?\)$' "missing /dev/kvm error"
[ "$(wc -l < $OUT)" = 1 ] || fail "more than one line: $(cat $OUT)"
ok "exactly one line"

# PVM, made on purpose (the hosts' own /dev/kvm is often PVM, but not
# every machine's): this real KVM, with kvm_pvm's module directory faked
# in a mount namespace. Refused with the line that sends users to the lab.
unshare -m sh -c "mount -t tmpfs none /sys/module && mkdir /sys/module/kvm_pvm &&
	exec $MERIDIAN run -k $KERNEL -i $INITRD" < /dev/null > $OUT 2>&1
STATUS=$?
expect_status 1
expect $OUT '^meridian: /dev/kvm is served by kvm_pvm \(PVM\), which cannot run stock guest kernels; run `make demo` to boot the guest inside the lab instead$' "PVM refused"
[ "$(wc -l < $OUT)" = 1 ] || fail "more than one line: $(cat $OUT)"

# a device that is not KVM at all
export MERIDIAN_KVM_DEVICE=/dev/null
run_guest $OUT
unset MERIDIAN_KVM_DEVICE
expect_status 1
expect $OUT '^meridian: /dev/null: not a KVM device \(Inappropriate ioctl for device\)$' "not-KVM device error"
