# lab: alone
# lab: l1-append tsc=reliable
# Issue 26: guest RAM arrives exactly, tracked by the default (dirty-log-clear), RAM zstd-compressed:
# exact_migration in lib.sh (a 400 MiB churn, over 60 s under a bandwidth
# cap, digests of both sides compared, then 60 s of the guest there).
. /lab/lib.sh
exact_migration dirty-log-clear zstd 4464
