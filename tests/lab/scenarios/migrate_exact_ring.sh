# lab: manual
# lab: alone
# lab: l1-append tsc=reliable
# Issue 26, the dirty ring: FAILS in this lab, so it is not in make check
# (run it by name). exact_migration in lib.sh: a 400 MiB churn migrated
# over 60 s under a bandwidth cap, the held destination's RAM compared with
# the source's. With --dirty-tracking dirty-ring the destination lacks the
# source's last writes to some pages, every run (4 of 4, 2026-12-07; L1 on
# Linux 6.1 kvm-amd with shadow paging): hot kernel pages (jiffies, the
# vDSO data) a few seconds to 20 s behind, churn pages one generation
# behind; a 65536-entry ring lost far more pages than the 8192 one.
# dirty-log and dirty-log-clear carry RAM exactly in the same L1. meridian
# therefore uses the ring only when asked (docs/lab.md, README).
. /lab/lib.sh
exact_migration dirty-ring none 4461
