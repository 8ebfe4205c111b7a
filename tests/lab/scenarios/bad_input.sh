# Errors that need a real KVM to reach: vCPUs above KVM's limit and a
# missing /dev/kvm. One line naming the value, status 1, no guest started.
. /lab/lib.sh
OUT=/tmp/bad.out
max=$($MERIDIAN probe | sed -n 's/.*up to \([0-9]*\) vCPUs.*/\1/p')
[ -n "$max" ] || fail "meridian probe did not report the vCPU limit"
ok "KVM allows $max vCPUs"
if [ "$max" -lt 1024 ]; then
	run_guest $OUT -c $((max + 1))
	expect_status 1
	expect $OUT "^meridian: --cpus $((max + 1)): this host's KVM allows at most $max\$" "vCPU limit error"
	expect_not $OUT '^L2-INIT'
fi
mv /dev/kvm /dev/kvm.hidden
run_guest $OUT
mv /dev/kvm.hidden /dev/kvm
expect_status 1
expect $OUT '^meridian: /dev/kvm: No such file or directory' "missing /dev/kvm error"
[ "$(wc -l < $OUT)" = 1 ] || fail "more than one line: $(cat $OUT)"
ok "exactly one line"
