# lab: manual
# lab: alone
# lab: l1-append tsc=reliable kvm_amd.npt=1
# Issue 26, the dirty ring. exact_migration in lib.sh: a 400 MiB churn
# migrated over 60 s under a bandwidth cap, the held destination's RAM
# compared with the source's. In an L1 with nested paging: on shadow page
# tables (the lab's default L1) KVM overflows the ring and meridian refuses
# it (dirty_ring_shadow, in make check). kvm_ring_overflow: an overflow
# L1's KVM warns of must not end in a completed migration.
# Run by name: L1s with kvm_amd.npt=1 are not steady enough for make check
# (2026-12-07: of three attempts in a fresh-clone make check, one L2 triple
# faulted before the migration, one carried RAM exactly and then stalled on
# the destination, emulating and faulting 27000 times a second; one earlier
# run by name passed whole).
. /lab/lib.sh
exact_migration dirty-ring none 4461
