# An instruction cut in two by a snapshot runs once (issue 7).
# KVM finishes an I/O exit (the IN's value into RAX, RIP past the OUT) only
# on the next KVM_RUN. A VMM that saves the vCPU before that sends the
# instruction to the destination to run again: an OUT twice, or an IN
# that acknowledges (the UART's IIR) read twice, and an interrupt is lost.
# Here the guest writes "L2-SEQ abc...z" lines to /dev/kmsg without pause
# (tests/lab/guest/pattern.c pio): the kernel's console driver puts every
# byte out with its own IN and OUT, so a save nearly always lands between
# an exit and its completion. Three rounds of snapshot and restore into a
# new process; every line on the four consoles, joined, must be whole:
# no byte twice, none lost.
. /lab/lib.sh
SOCK=/tmp/pio.sock
SNAP=/tmp/pio.snap
A="-m 128M -c 1"
ctl() { $MERIDIAN ctl $SOCK "$@"; }
SEQ='L2-SEQ abcdefghijklmnopqrstuvwxyz'
LINE="^\\[ *[0-9]+\\.[0-9]+\\] $SEQ\$"       # as printk puts it
ARGS="$BASE printk.devkmsg=on act=pio"             # (no rate limit on /dev/kmsg)

rm -f $SOCK $SNAP /tmp/pio[0-9].out
timeout 300 $MERIDIAN run -k $KERNEL -i $INITRD $A --api $SOCK -a "$ARGS" \
	< /dev/null > /tmp/pio0.out 2> /tmp/pio0.err &
vmm=$!
wait_for /tmp/pio0.out "$SEQ" 120 "the guest never wrote a line"
for r in 1 2 3; do
	sleep 1
	ctl migrate "{\"uri\": \"file:$SNAP\"}" > /dev/null || fail "round $r: snapshot"
	ctl quit > /dev/null
	ended $vmm "round $r: the saved process"
	timeout 300 $MERIDIAN run -k $KERNEL -i $INITRD $A --api $SOCK --incoming file:$SNAP \
		-a "$ARGS" < /dev/null > /tmp/pio$r.out 2> /tmp/pio$r.err &
	vmm=$!
	# two line ends: the cut line's rest, then a whole line
	i=0
	while [ "$(head -c 200 /tmp/pio$r.out 2>/dev/null | tr -cd '\n' | wc -c)" -lt 2 ]; do
		i=$((i + 1))
		[ $i -lt 300 ] || { echo "--- the process before:"; tail -c 2000 /tmp/pio$((r - 1)).out
			grep -av "^$SEQ" /tmp/pio$((r - 1)).out | tail -n 40; cat /tmp/pio$r.err
			stalled $SOCK /tmp/pio$r.out "round $r: the restored guest wrote nothing"; }
		sleep 0.2
	done
	ok "round $r: restored ($(grep -o 'state applied in [0-9]* ms' /tmp/pio$r.err))"
done
ctl quit > /dev/null
ended $vmm "the last process"

# From the first whole line on, every line but the last (cut by the quit)
# that came from the writer is whole; each round's cut is inside one.
cat /tmp/pio0.out /tmp/pio1.out /tmp/pio2.out /tmp/pio3.out | tr -d '\r' |
	sed -n "/$SEQ\$/,\$p" | sed '$d' > /tmp/pio.all
total=$(grep -c "$SEQ" /tmp/pio.all)
# a broken line: not a whole one, but with a piece of one in it
bad=$(grep -Ev "$LINE" /tmp/pio.all | grep -Ec 'L2-S|EQ a|klmno|xyz')
if [ "$bad" != 0 ] || [ "$total" -lt 100 ]; then
	grep -Ev "$LINE" /tmp/pio.all | grep -E 'L2-S|EQ a|klmno|xyz' | head -n 5
	fail "$bad of $total lines broken across the snapshots (a byte run twice or lost)"
fi
grep -q 'L2-PIO' /tmp/pio.all && fail "the writer stopped: $(grep -m1 'L2-PIO' /tmp/pio.all)"
ok "$total lines written across 3 snapshots and restores, every one whole"
rm -f $SNAP
