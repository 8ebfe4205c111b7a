# lab: alone
# lab: l1-append tsc=reliable
# Issue 26: guest RAM arrives exactly, tracked by dirty-ring:
# exact_migration in lib.sh (a 400 MiB churn, over 60 s under a bandwidth
# cap, digests of both sides compared, then 60 s of the guest there).
. /lab/lib.sh
EXACT_THP=never exact_migration dirty-ring none 4461
