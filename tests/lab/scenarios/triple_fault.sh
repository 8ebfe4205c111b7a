# A kernel that triple-faults at its entry point (tests/lab/mk-crash-kernel.sh):
# meridian ends with status 2 and a register dump on stderr.
. /lab/lib.sh
OUT=/tmp/crash.out
timeout 60 $MERIDIAN run -k /lab/l2/crash.bzImage < /dev/null > $OUT 2>&1
STATUS=$?
expect_status 2
expect $OUT '^meridian: vCPU 0: triple fault \(KVM_EXIT_SHUTDOWN\): the guest cannot continue$' "triple fault reported"
expect $OUT '^meridian: vCPU 0 register dump$' "register dump"
# (On AMD, KVM resets the vCPU before reporting the shutdown, so the dump
# shows the reset state rather than the faulting one.)
expect $OUT '^rip=[0-9a-f]{16} rsp=[0-9a-f]{16} rflags=[0-9a-f]{16}$' "RIP/RSP in the dump"
expect $OUT '^cr0=[0-9a-f]{16} cr2=' "control registers in the dump"
expect $OUT '^cs   sel=' "segments in the dump"
