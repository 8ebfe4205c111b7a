# A line typed on meridian's stdin reaches the guest's shell on ttyS0 and
# the shell's output comes back on stdout.
. /lab/lib.sh
OUT=/tmp/stdin.out
rm -f /tmp/stdin.fifo
mkfifo /tmp/stdin.fifo
timeout $GUEST_TIMEOUT $MERIDIAN run -k $KERNEL -i $INITRD -a "$BASE act=shell" \
	< /tmp/stdin.fifo > $OUT 2>&1 &
pid=$!
exec 3> /tmp/stdin.fifo
wait_for $OUT L2-SHELL-READY 120 "shell never ready"
sleep 1
# The shell computes 6*7: the answer cannot be an echo of the input.
echo 'echo "answer=$((6*7))"' >&3
wait_for $OUT answer=42 60 "no answer from the guest shell"
ok "guest shell answered: $(grep -m1 'answer=42' $OUT | tr -d '\r')"
echo 'poweroff -f' >&3
wait $pid
STATUS=$?
exec 3>&-
expect_status 0
