# On a terminal (a pty from script(1)): meridian puts it in raw mode, so a
# typed line reaches the guest shell and Ctrl-A x (no newline after it)
# quits with status 0; afterwards the terminal settings are as before.
. /lab/lib.sh
OUT=/tmp/term.out
rm -f /tmp/term.fifo /tmp/stty.* /tmp/term.status
mkfifo /tmp/term.fifo
cat > /tmp/term.sh <<EOS
stty -g > /tmp/stty.before
$MERIDIAN run -k $KERNEL -i $INITRD -a "$BASE act=shell"
echo "status=\$?" > /tmp/term.status
stty -g > /tmp/stty.after
EOS
timeout $GUEST_TIMEOUT script -qfc "sh /tmp/term.sh" /dev/null < /tmp/term.fifo > $OUT 2>&1 &
pid=$!
exec 3> /tmp/term.fifo
wait_for $OUT L2-SHELL-READY 120 "shell never ready"
sleep 1
printf 'echo "answer=$((6*7))"\r' >&3
wait_for $OUT answer=42 60 "no answer from the guest shell"
ok "typed line answered: $(grep -m1 'answer=42' $OUT | tr -d '\r')"
printf '\001x' >&3
i=0
while [ ! -s /tmp/term.status ]; do
	i=$((i + 1)); [ $i -lt 150 ] || fail "Ctrl-A x did not end meridian"; sleep 0.2
done
exec 3>&-
wait $pid
[ "$(cat /tmp/term.status)" = "status=0" ] || fail "meridian ended with $(cat /tmp/term.status)"
ok "Ctrl-A x ended meridian with status 0"
[ -s /tmp/stty.before ] && cmp -s /tmp/stty.before /tmp/stty.after ||
	fail "terminal not restored: $(cat /tmp/stty.before) -> $(cat /tmp/stty.after)"
ok "terminal settings restored ($(cat /tmp/stty.after))"
