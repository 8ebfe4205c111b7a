# Issue 26: where KVM runs guests on shadow page tables (this lab's L1
# boots kvm_amd.npt=0) it pushes bursts of dirty ring entries past the
# ring's end and loses pages, whatever the ring's size or how often it is
# emptied (docs/lab.md). meridian refuses --dirty-tracking dirty-ring
# there: one line naming the host's setting, status 1, no guest started.
# With NPT on, the ring is accepted and the guest boots.
. /lab/lib.sh
npt=$(cat /sys/module/kvm_amd/parameters/npt)
run_guest /tmp/ring-shadow -m 256M --dirty-tracking dirty-ring -a "$BASE act=poweroff"
if [ "$npt" = N ] || [ "$npt" = 0 ]; then
	expect_status 1
	expect /tmp/ring-shadow 'dirty-ring: KVM runs guests on shadow page tables here \(kvm_amd\.npt=0\)' \
		"refused with the host's setting named"
	expect_not /tmp/ring-shadow 'Linux version'
else
	expect /tmp/ring-shadow 'Linux version' "NPT on: the ring is accepted and the guest boots"
fi
