# lab: manual
# lab: alone
# lab: l1-append tsc=reliable
# Issue 26: guest RAM arrives exactly, tracked by dirty-log-clear. Run by
# name: make check keeps migrate_exact_zstd (the same tracking, the
# default, with zstd) and migrate_exact_log, to stay under 60 minutes.
# exact_migration in lib.sh (a 400 MiB churn, over 60 s under a bandwidth
# cap, digests of both sides compared, then 60 s of the guest there).
. /lab/lib.sh
exact_migration dirty-log-clear none 4463
