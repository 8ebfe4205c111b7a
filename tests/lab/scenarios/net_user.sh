# User-mode networking (issue 5): --net user (libslirp), no tap, no root
# needed. The guest gets 10.0.2.15 by DHCP, fetches 8 MiB from a TCP
# server on the lab host (10.0.2.2 is the host), and a hostfwd rule
# (tcp::7022-:22) brings the host to a server in the guest: sha256 match
# both ways. The backend is the machine's: a guest reset keeps it (the
# same slirp thread), and meridian holds the same kinds and numbers of fds
# after the reset as before. Then a malformed hostfwd
# and a port already taken.
. /lab/lib.sh
ip link set lo up 2>/dev/null
dd if=/dev/urandom of=/tmp/file bs=1M count=8 2>/dev/null
want=$(sha256sum /tmp/file | cut -d' ' -f1)
/lab/bin/tcpx serve 6001 /tmp/file &
srv=$!
timeout 200 $MERIDIAN run -k $KERNEL -i $INITRD -m 256M --net user,hostfwd=tcp::7022-:22 \
	-a "$BASE act=netuser" < /dev/null > /tmp/nu.raw 2>&1 &
vm=$!
wait_for /tmp/nu.raw 'L2-SERVING' 120 "the guest never got to serve its file"
tr -d '\r' < /tmp/nu.raw > /tmp/nu.out
expect /tmp/nu.out '^L2-DHCP ip=10.0.2.15 mask=24 router=10.0.2.2 dns=10.0.2.3' "DHCP: 10.0.2.15/24 via 10.0.2.2"
got=$(sed -n 's/^L2-FETCHED \([0-9a-f]*\) .*/\1/p' /tmp/nu.out)
[ "$got" = "$want" ] || fail "the file fetched from the host: sha256 $got, sent $want"
ok "the guest fetched 8 MiB from the host's TCP server, sha256 matches"
/lab/bin/tcpx get 127.0.0.1 7022 /tmp/from-guest || fail "hostfwd: no connection to the guest"
wait $vm; STATUS=$?
OUT=/tmp/nu.out; tr -d '\r' < /tmp/nu.raw > $OUT     # (expect_status shows it)
expect_status 0
served=$(sed -n 's/^L2-SERVING //p' /tmp/nu.out)
[ "$(sha256sum /tmp/from-guest | cut -d' ' -f1)" = "$served" ] ||
	fail "hostfwd: what came from the guest does not match its sha256"
ok "hostfwd tcp::7022-:22: 4 MiB from a server in the guest, sha256 matches"
wait $srv

# --- a guest reset keeps the backend (issue 17: the machine owns it)
SOCK=/tmp/nu.sock
rm -f $SOCK
dd if=/dev/zero of=/tmp/nr.img bs=1M count=8 2>/dev/null
timeout 200 $MERIDIAN run -k $KERNEL -i $INITRD -m 256M --net user --api $SOCK \
	--disk path=/tmp/nr.img -a "$BASE act=qmp" < /dev/null > /tmp/nr.raw 2>&1 &
vm=$!
wait_for /tmp/nr.raw 'L2-QMP-READY' 120 "the guest never got ready"
slirp_tid() { for t in /proc/$vm/task/*; do [ "$(cat $t/comm)" = slirp ] && basename $t; done; }
# what meridian holds open, by kind (socket, pipe, /dev/kvm, the disk,
# anon_inode:kvm-vm, kvm-vcpu:0, [eventfd], [io_uring]...) and count
fd_kinds() {
	$MERIDIAN ctl $SOCK query-status > /dev/null; sleep 1    # (the ctl session gone)
	for f in /proc/$vm/fd/*; do readlink $f; done | sed 's/:\[[0-9]*\]$//' | sort | uniq -c |
		awk '{ printf "%s x%s; ", $2, $1 }'
}
fds_before=$(fd_kinds)
before=$(slirp_tid)
[ -n "$before" ] || fail "no thread named slirp: $(cat /proc/$vm/task/*/comm | tr '\n' ' ')"
$MERIDIAN ctl $SOCK system_reset > /dev/null || fail "system_reset"
grows /tmp/nr.raw 'L2-QMP-READY' 120 || fail "the guest did not come back after the reset"
after=$(slirp_tid)
[ "$before" = "$after" ] || fail "the slirp thread was $before before the reset, $after after"
ok "a guest reset kept user-mode networking: the same slirp thread ($after)"
# the instance's resources (KVM fds, io_uring, eventfds) go with it and
# come back of the same kinds; the machine's (disk, API socket, /dev/kvm)
# stay: nothing new opened, nothing leaked (issue 17's sandbox point)
fds_after=$(fd_kinds)
[ "$fds_before" = "$fds_after" ] ||
	fail "open fds by kind differ across the reset: before: $fds_before after: $fds_after"
ok "the same kinds and numbers of open fds after the reset: $fds_after"
$MERIDIAN ctl $SOCK quit > /dev/null
wait $vm

run_guest /tmp/bad.out --net user,hostfwd=tcp::notaport-:22 -a "$BASE"
expect_status 1
expect /tmp/bad.out '^meridian: --net hostfwd=tcp::notaport-:22: expected tcp\|udp' "a malformed hostfwd"
/lab/bin/tcpx recv 7023 /dev/null &
holder=$!
sleep 0.5
run_guest /tmp/bad.out --net user,hostfwd=tcp::7023-:22 -a "$BASE"
expect_status 1
expect /tmp/bad.out 'hostfwd tcp port 7023: cannot listen there' "a host port already taken"
kill $holder 2>/dev/null
