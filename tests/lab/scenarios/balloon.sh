# virtio-balloon (issue 5), a 512 MiB guest that touched and freed 300 MiB:
#  - without free page reporting: shrinking it by 128 MiB (QMP balloon)
#    lowers meridian's RSS by at least 100 MiB and the guest's MemAvailable
#    by about as much; growing it back gives the guest its memory again;
#    query-balloon shows the guest's statistics;
#  - with free page reporting: the 300 MiB the guest frees go back to the
#    host by themselves (RSS down by at least 200 MiB).
. /lab/lib.sh
SOCK=/tmp/balloon.sock
rss_kb() { sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\).*/\1/p' /proc/$1/status; }
avail_kb() { tr -d '\r' < $1 | sed -n 's/^L2-MEM .*avail_kb=//p' | tail -n 1; }
# actual_is BYTES: waits (60 s) until query-balloon's actual is BYTES
actual_is() {
	i=0
	while [ $i -lt 300 ]; do
		$MERIDIAN ctl $SOCK query-balloon > /tmp/qb.out 2>&1
		grep -q "\"actual\": $1," /tmp/qb.out && return 0
		sleep 0.2; i=$((i + 1))
	done
	cat /tmp/qb.out; fail "the balloon never reached $1 bytes"
}

rm -f $SOCK
# (no timeout wrapper: $! must be meridian itself, for its RSS)
$MERIDIAN run -k $KERNEL -i $INITRD -m 512M --balloon on --api $SOCK \
	-a "$BASE act=balloon" < /dev/null > /tmp/b1.raw 2>&1 &
vm=$!
wait_for /tmp/b1.raw 'L2-HOG done' 120 "the guest never freed its 300 MiB"
sleep 3
rss1=$(rss_kb $vm); av1=$(avail_kb /tmp/b1.raw)
ok "after the guest touched and freed 300 MiB: RSS ${rss1} kB, guest MemAvailable ${av1} kB"
$MERIDIAN ctl $SOCK balloon '{"value": 402653184}' > /dev/null || fail "balloon 384 MiB"
actual_is 402653184
sleep 2
rss2=$(rss_kb $vm); av2=$(avail_kb /tmp/b1.raw)
ok "balloon to 384 MiB: RSS ${rss2} kB ($(( (rss1 - rss2) / 1024 )) MiB less), guest MemAvailable ${av2} kB ($(( (av1 - av2) / 1024 )) MiB less)"
[ $((rss1 - rss2)) -ge $((100 * 1024)) ] || fail "RSS went down by less than 100 MiB"
[ $((av1 - av2)) -ge $((100 * 1024)) ] || fail "the guest's MemAvailable went down by less than 100 MiB"
$MERIDIAN ctl $SOCK query-balloon > /tmp/qb.out
expect /tmp/qb.out '"stat-free-memory": [1-9]' "query-balloon shows the guest's free memory"
expect /tmp/qb.out '"stat-total-memory": [1-9]' "and its total memory"
$MERIDIAN ctl $SOCK balloon '{"value": 536870912}' > /dev/null || fail "balloon 512 MiB"
actual_is 536870912
sleep 2
av3=$(avail_kb /tmp/b1.raw)
ok "balloon back to 512 MiB: guest MemAvailable ${av3} kB"
[ $((av1 - av3)) -lt $((30 * 1024)) ] || fail "the guest did not get its memory back (${av1} -> ${av3} kB)"
$MERIDIAN ctl $SOCK quit > /dev/null
wait $vm

# --- free page reporting
rm -f $SOCK
$MERIDIAN run -k $KERNEL -i $INITRD -m 512M --balloon on,free-page-reporting=on \
	--api $SOCK -a "$BASE act=balloon" < /dev/null > /tmp/b2.raw 2>&1 &
vm=$!
wait_for /tmp/b2.raw 'L2-HOG held' 120 "the guest never touched its 300 MiB"
sleep 1
held=$(rss_kb $vm)
wait_for /tmp/b2.raw 'L2-HOG done' 30 "the guest never freed its 300 MiB"
i=0
while [ $i -lt 60 ]; do
	now=$(rss_kb $vm)
	[ $((held - now)) -ge $((200 * 1024)) ] && break
	sleep 0.5; i=$((i + 1))
done
$MERIDIAN ctl $SOCK query-balloon > /tmp/qb.out
grep -o '"reported-bytes": [0-9]*' /tmp/qb.out
[ $((held - now)) -ge $((200 * 1024)) ] ||
	fail "free page reporting: RSS ${held} kB while held, ${now} kB 30 s after the free"
ok "free page reporting: RSS ${held} kB while the guest held 300 MiB, ${now} kB after it freed them ($(( (held - now) / 1024 )) MiB back)"
$MERIDIAN ctl $SOCK quit > /dev/null
wait $vm
