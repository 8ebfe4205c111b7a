# lab: alone
# lab: l1-append tsc=reliable kvm_amd.npt=1
# Issue 26, the dirty ring. exact_migration in lib.sh: a 400 MiB churn
# migrated over 60 s under a bandwidth cap, the held destination's RAM
# compared with the source's. In an L1 with nested paging: on shadow page
# tables (the lab's default L1) KVM overflows the ring and meridian refuses
# it (dirty_ring_shadow). kvm_ring_overflow: an overflow L1's KVM warns of
# must not end in a completed migration.
. /lab/lib.sh
exact_migration dirty-ring none 4461
