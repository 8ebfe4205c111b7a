# virtio-net on a tap (issue 5), in a network namespace of the test's own
# (unshare -n): there the test's host end of tap0 is 10.0.2.1, the guest
# 10.0.2.15. The guest pings the host and the host the guest; 64 MiB of
# random data go each way over TCP (tests/lab/guest/tcpx.c) and their
# sha256 match on both ends: once on meridian's userspace data path
# (vhost=off) and once on the kernel's (vhost=on: the kernel's vhost worker
# thread exists and meridian's own tap reader saw nothing). Then the errors:
# vhost=on without /dev/vhost-net, no such tap, a tap another process
# holds, not a tap; and vhost=auto without /dev/vhost-net says so once and
# works.
. /lab/lib.sh
if [ -z "${IN_NETNS:-}" ]; then
	[ -c /dev/vhost-net ] || fail "no /dev/vhost-net in L1"
	exec env IN_NETNS=1 unshare -n sh "$0"
fi
ip link set lo up
tunctl -t tap0 > /dev/null || fail "tunctl"
ip addr add 10.0.2.1/24 dev tap0 && ip link set tap0 up || fail "tap0 up"
ok "in a network namespace of its own: $(ls -l /proc/self/ns/net | sed 's/.*-> //')"
dd if=/dev/urandom of=/tmp/in bs=1M count=64 2>/dev/null
want_in=$(sha256sum /tmp/in | cut -d' ' -f1)

# exchange VHOST: the whole check with --net tap,ifname=tap0,vhost=VHOST
exchange() {
	rm -f /tmp/out; : > /tmp/net.raw
	/lab/bin/tcpx recv 5002 /tmp/out &
	recv=$!
	timeout 200 $MERIDIAN run -k $KERNEL -i $INITRD -m 512M --net tap,ifname=tap0,vhost=$1 \
		-a "$BASE act=net" < /dev/null > /tmp/net.raw 2>&1 &
	vm=$!
	wait_for /tmp/net.raw 'L2-PING' 90 "the guest never pinged"
	tr -d '\r' < /tmp/net.raw > /tmp/net.out
	expect /tmp/net.out '^L2-NET-UP mac=52:54:00:12:34:56' "eth0 up with the default MAC"
	expect /tmp/net.out '^L2-PING ok' "the guest pings the host"
	ping -c 3 -W 5 10.0.2.15 > /tmp/ping.out || { cat /tmp/ping.out; fail "the host cannot ping the guest"; }
	ok "the host pings the guest: $(grep -o '[0-9]* packets received' /tmp/ping.out)"
	# vhost's worker is a kernel thread named after its owner: vhost-PID
	wpid=$(ps -o pid,comm | awk -v n="vhost-$(pidof meridian)" '$2 == n { print $1; exit }')
	t0=$(date +%s)
	/lab/bin/tcpx send 10.0.2.15 5001 /tmp/in || fail "sending 64 MiB to the guest"
	ok "64 MiB host -> guest in $(( $(date +%s) - t0 )) s"
	# the worker's CPU time (utime + stime, in ticks) after moving them
	ticks=$([ -n "$wpid" ] && awk '{ print $14 + $15 }' /proc/$wpid/stat)
	wait $recv || fail "receiving from the guest"
	wait $vm; STATUS=$?
	tr -d '\r' < /tmp/net.raw > /tmp/net.out
	expect_status 0
	got_in=$(sed -n 's/^L2-NET-IN \([0-9a-f]*\) .*/\1/p' /tmp/net.out)
	[ "$got_in" = "$want_in" ] || fail "host -> guest: sha256 $got_in in the guest, $want_in sent"
	ok "host -> guest: the guest's sha256 matches ($want_in)"
	want_out=$(sed -n 's/^L2-NET-OUT //p' /tmp/net.out)
	got_out=$(sha256sum /tmp/out | cut -d' ' -f1)
	[ -n "$want_out" ] && [ "$got_out" = "$want_out" ] ||
		fail "guest -> host: sha256 $got_out here, $want_out in the guest"
	ok "guest -> host: 64 MiB, sha256 matches ($got_out)"
	expect_not /tmp/net.out 'refused a frame|NEEDS_RESET|broken|userspace data path instead'
	if [ $1 = on ]; then
		expect /tmp/net.out '^meridian: virtio-net tap0: vhost-net: the kernel moves the frames'
		[ -n "$wpid" ] || fail "vhost=on, but meridian has no vhost worker thread"
		[ "${ticks:-0}" -gt 0 ] || fail "meridian's vhost worker (pid $wpid) did no work"
		ok "meridian's vhost worker (pid $wpid) worked $ticks ticks for the 64 MiB"
	else
		expect_not /tmp/net.out 'vhost-net: the kernel'
		[ -z "$wpid" ] || fail "vhost=off, but meridian has a vhost worker"
		ok "no vhost worker with vhost=off"
	fi
}
echo "--- the userspace data path (vhost=off)"
exchange off
echo "--- the kernel's data path (vhost=on)"
exchange on

# --- errors
mv /dev/vhost-net /dev/vhost-net.hidden
run_guest /tmp/bad.out -m 256M --net tap,ifname=tap0,vhost=on -a "$BASE"
expect_status 1
expect /tmp/bad.out '^meridian: --net: virtio-net tap0: vhost=on: /dev/vhost-net: No such file' \
	"vhost=on without vhost-net"
run_guest /tmp/auto.out -m 256M --net tap,ifname=tap0 -a "$BASE act=poweroff"
mv /dev/vhost-net.hidden /dev/vhost-net
expect_status 0
expect /tmp/auto.out '^meridian: virtio-net tap0: no vhost-net \(/dev/vhost-net: No such file or directory\): the userspace data path' \
	"vhost=auto without vhost-net says so"
[ "$(count /tmp/auto.out 'no vhost-net')" = 1 ] || fail "said more than once"
run_guest /tmp/bad.out --net tap,ifname=tap0,vhost=sometimes -a "$BASE"
expect_status 1
expect /tmp/bad.out '^meridian: --net vhost=sometimes: expected auto, on or off' "a bad vhost value"
run_guest /tmp/bad.out --net tap,ifname=nosuch0 -a "$BASE"
expect_status 1
expect /tmp/bad.out '^meridian: --net: tap nosuch0: no such network interface' "no such tap"
ip link add dummy0 type dummy 2>/dev/null && {
	run_guest /tmp/bad.out --net tap,ifname=dummy0 -a "$BASE"
	expect_status 1
	expect /tmp/bad.out '^meridian: --net: tap dummy0: Invalid argument \(not a tap' "not a tap"
}
timeout 60 $MERIDIAN run -k $KERNEL -i $INITRD --net tap,ifname=tap0 -a "$BASE act=idle" \
	< /dev/null > /tmp/holder.raw 2>&1 &
holder=$!
sleep 2
run_guest /tmp/bad.out --net tap,ifname=tap0 -a "$BASE"
expect_status 1
expect /tmp/bad.out 'tap tap0: Device or resource busy \(another process has it\)' "a tap in use"
kill $holder 2>/dev/null; wait $holder 2>/dev/null
