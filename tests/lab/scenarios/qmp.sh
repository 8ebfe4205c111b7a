# The QMP control socket, driven by meridian's own client (meridian ctl)
# and by socat with raw QMP lines: negotiation, every command, errors for
# garbage, a 1 MiB line and 50 clients that come and go, stop/cont with the
# guest's clock running on and no lockup reports, query-stats counters
# that move, the clock report, and system_powerdown powering the Debian
# guest off (exit 0) with the events a client sees on the way.
. /lab/lib.sh
SOCK=/tmp/qmp.sock
OUT=/tmp/qmp.out
ctl() { $MERIDIAN ctl $SOCK "$@"; }
# raw LINES...: sends the lines with socat, prints what came back
raw() { printf '%s\n' "$@" | socat -t 3 - UNIX-CONNECT:$SOCK; }
tick() { tr -d '\r' < $OUT.raw | sed -n 's/^L2-TICK //p' | tail -n1; }

rm -f $SOCK
timeout 240 $MERIDIAN run -k $KERNEL -i $INITRD -c 2 --api $SOCK -a "$BASE act=qmp" \
	< /dev/null > $OUT.raw 2>&1 &
pid=$!
seen $OUT.raw L2-QMP-READY 120 || stalled $SOCK $OUT.raw "the guest never got ready"
[ "$(stat -c %a $SOCK)" = 600 ] || fail "socket mode $(stat -c %a $SOCK), not 600"
ok "the socket is mode 0600"
# every thread named for its role (base/thread.h): the event loop, then vcpu0, vcpu1
threads=$(cat /proc/$pid/task/*/comm | sort | tr '\n' ' ')
echo "$threads" | grep -q 'vcpu0 vcpu1' || fail "threads named $threads, not vcpu0 and vcpu1"
ok "threads by role: $threads"
# a client that only listens: the events (its output does not hold ours open)
(echo '{"execute":"qmp_capabilities"}'; sleep 200) 2>/dev/null |
	socat - UNIX-CONNECT:$SOCK > /tmp/events.log 2>&1 &

# --- an independent client: socat, raw QMP lines
raw '{"execute":"query-status"}' '{"execute":"qmp_capabilities","id":0}' \
    '{"execute":"query-status","id":1}' 'this is not json' '{"execute":"nope","id":2}' \
    '{"execute":"query-stats","arguments":{"target":7},"id":3}' '{"execute":"query-kvm","id":4}' \
    | tr -d '\r' > /tmp/raw.log
cat /tmp/raw.log
expect /tmp/raw.log '^\{"QMP":\{"version":\{"qemu":\{"micro":0,"minor":1,"major":0\},"package":"meridian' "greeting"
expect /tmp/raw.log "^\{\"error\":\{\"class\":\"CommandNotFound\",\"desc\":\"Expecting capabilities negotiation with 'qmp_capabilities'\"\}\}$" "commands wait for negotiation"
expect /tmp/raw.log '^\{"return":\{\},"id":0\}$' "qmp_capabilities"
expect /tmp/raw.log '^\{"return":\{"running":true,"singlestep":false,"status":"running"\},"id":1\}$' "query-status"
expect /tmp/raw.log '^\{"error":\{"class":"GenericError","desc":"JSON parse error' "garbage: a parse error"
expect /tmp/raw.log '^\{"error":\{"class":"CommandNotFound","desc":"The command nope has not been found"\},"id":2\}$' "unknown command"
expect /tmp/raw.log "^\{\"error\":\{\"class\":\"GenericError\",\"desc\":\"Parameter 'target' expects a string\"\},\"id\":3\}$" "wrong argument type"
expect /tmp/raw.log '^\{"return":\{"enabled":true,"present":true\},"id":4\}$' "query-kvm after all that"

# --- meridian ctl: one command each
ctl query-status > /tmp/c.out || fail "ctl query-status"
expect /tmp/c.out '"status": "running"' "ctl query-status"
ctl query-cpus-fast > /tmp/c.out || fail "ctl query-cpus-fast"
[ "$(grep -c '"cpu-index"' /tmp/c.out)" = 2 ] || { cat /tmp/c.out; fail "not 2 vCPUs"; }
expect /tmp/c.out '"thread-id": [1-9]' "two vCPUs with their thread IDs"
ctl no-such-command > /tmp/c.out 2> /tmp/c.err && fail "ctl: an unknown command returned 0"
expect /tmp/c.err '^meridian: ctl: CommandNotFound: The command no-such-command has not been found$' "ctl: a QMP error is status 1 with its class"
ctl query-balloon 2> /tmp/c.err && fail "query-balloon without a balloon returned 0"
expect /tmp/c.err 'DeviceNotActive' "query-balloon without a balloon: DeviceNotActive"
exits() { vcpu_exits $SOCK | cut -d' ' -f1; }      # vCPU 0's
e1=$(exits); sleep 2; e2=$(exits)
[ -n "$e1" ] && [ "${e2:-0}" -gt "$e1" ] || fail "vCPU 0 exits did not move: $e1 -> $e2"
ok "query-stats: vCPU 0 exits moved from $e1 to $e2 in 2 s"
ctl query-stats '{"target":"vm"}' > /tmp/c.out || fail "query-stats vm"
expect /tmp/c.out '"provider": "kvm"' "query-stats for the VM"
ctl x-meridian-query-clock > /tmp/clock.out || fail "x-meridian-query-clock"
cat /tmp/clock.out
expect /tmp/clock.out '"ns": [1-9]' "KVM_GET_CLOCK"
expect /tmp/clock.out '"realtime-from": "(kvm|meridian)"' "the host's realtime at that reading, and whose"
expect /tmp/clock.out '"tsc-khz": [1-9]' "each vCPU's TSC frequency"
expect /tmp/clock.out '"tsc-offset": ' "each vCPU's TSC offset"
expect /tmp/clock.out '"tsc-stable-bit": (true|false)' "the guest's pvclock flags"
# the serial port as the guest left it: Linux's 8250 driver has the port
# open (receive interrupts on), IRQ 4 is an unmasked edge-triggered pin
ctl x-meridian-query-serial | tr -d ' \n' > /tmp/serial.out || fail "x-meridian-query-serial"
cat /tmp/serial.out; echo
expect /tmp/serial.out '"tx-bytes":[1-9]' "the UART counted the guest's output"
expect /tmp/serial.out '"ier":(1|3|5|7|9|11|13|15),' "the guest's driver enabled receive interrupts"
expect /tmp/serial.out '"pin":4,"vector":[1-9][0-9]*,"masked":false,"trigger":"edge"' "IRQ 4: an unmasked edge-triggered IOAPIC pin with a vector"
expect /tmp/serial.out '"lapic-irr":(true|false),"lapic-isr":(true|false)' "each vCPU's APIC bits for it"
# each vCPU as Linux runs it: the local APIC on, its timer armed, a
# kernel or user RIP, running or idle (halted)
ctl x-meridian-query-vcpus | tr -d ' \n' > /tmp/vcpus.out || fail "x-meridian-query-vcpus"
cat /tmp/vcpus.out; echo
expect /tmp/vcpus.out '"cpu-index":1,"rip":"0x[0-9a-f]+"' "vCPU 1's RIP"
expect /tmp/vcpus.out '"cpl":(0|3),"cr0":"0x8[0-9a-f]*"' "a privilege level, paging on"
expect /tmp/vcpus.out '"mp-state":"(runnable|halted)"' "an MP state"
expect /tmp/vcpus.out '"enabled":true,"irr-highest":-?[0-9]+,"isr-highest":-?[0-9]+,"timer-vector":[1-9][0-9]*,"timer-masked":false' "the guest's APIC on, its timer unmasked"
[ "$(grep -o '"enabled":true' /tmp/vcpus.out | wc -l)" = 2 ] || fail "not both APICs on"

# --- stop for 5 s, then cont: the guest's clock runs on, no lockup reports
before=$(tick)
ctl stop > /dev/null || fail "stop"
ctl query-status | grep -q '"status": "paused"' || fail "not paused after stop"
paused_at=$(tick); sleep 5
[ "$(tick)" = "$paused_at" ] || fail "the guest ticked while stopped"
ok "stopped: no ticks for 5 s"
ctl cont > /dev/null || fail "cont"
i=0; while [ "$(tick)" = "$paused_at" ] && [ $i -lt 50 ]; do sleep 0.2; i=$((i + 1)); done
after=$(tick)
awk -v a="$paused_at" -v b="$after" 'BEGIN { exit !(b - a >= 5) }' ||
	fail "the guest's clock went from $paused_at to $after across a 5 s stop"
ok "the guest's clock ran on across the stop: $paused_at -> $after (before: $before)"

# --- garbage: a 1 MiB line, 50 clients that come and go
# (as a string, so that it parses on and on: only its length is wrong)
{ echo '{"execute":"qmp_capabilities"}'; printf '{"execute":"'
  head -c 1048576 /dev/zero | tr '\0' 'a'; echo '"}'
  echo '{"execute":"query-kvm","id":"after"}'; } | socat -t 3 - UNIX-CONNECT:$SOCK | tr -d '\r' > /tmp/big.log
expect /tmp/big.log 'JSON message too long' "a 1 MiB line: one error"
expect /tmp/big.log '"id":"after"' "and the next command is answered"
for i in $(seq 1 50); do
	case $((i % 3)) in
	0) socat -u /dev/null UNIX-CONNECT:$SOCK ;;
	1) echo '{"execute": "qmp_capabilities"' | socat -t 0.1 - UNIX-CONNECT:$SOCK > /dev/null ;;
	2) printf '\377\376garbage' | socat -t 0.1 - UNIX-CONNECT:$SOCK > /dev/null ;;
	esac &
done
sleep 3
ctl query-status | grep -q '"status": "running"' || fail "meridian does not answer after 50 clients"
t1=$(tick); sleep 2.5
[ "$(tick)" != "$t1" ] || fail "the guest stopped ticking"
ok "50 clients came and went: meridian answers, the guest ticks on"

# --- system_powerdown: the guest powers off, meridian exits 0
ctl system_powerdown > /dev/null || fail "system_powerdown"
i=0; while kill -0 $pid 2>/dev/null && [ $i -lt 300 ]; do sleep 0.2; i=$((i + 1)); done
wait $pid; STATUS=$?
tr -d '\r' < $OUT.raw > $OUT
expect_status 0
expect $OUT '^L2-POWERBUTTON' "the guest saw the power button"
expect_not $OUT '^L2-STALL'
[ -e $SOCK ] && fail "the socket is still there after exit"
ok "the socket is gone"
sleep 1
tr -d '\r' < /tmp/events.log > /tmp/events.txt
cat /tmp/events.txt
for ev in STOP RESUME POWERDOWN; do
	expect /tmp/events.txt "\"event\":\"$ev\"" "event $ev"
done
expect /tmp/events.txt '"event":"SHUTDOWN","data":\{"guest":true,"reason":"guest-shutdown"\}' "event SHUTDOWN (guest-shutdown)"

# --- --api PATH that must not be taken
: > /tmp/notasocket
run_guest /tmp/api-bad.out --api /tmp/notasocket -a "$BASE"
expect_status 1
expect /tmp/api-bad.out '^meridian: --api /tmp/notasocket: exists and is not a socket \(not replacing it\)$' "a regular file is not replaced"
[ -f /tmp/notasocket ] || fail "the file is gone"
socat UNIX-LISTEN:/tmp/busy.sock /dev/null > /dev/null 2>&1 &
spid=$!; sleep 0.5
run_guest /tmp/api-busy.out --api /tmp/busy.sock -a "$BASE"
expect_status 1
expect /tmp/api-busy.out 'another process is serving this socket' "a live socket is not taken over"
kill $spid 2>/dev/null
pkill -f 'sleep 200' 2>/dev/null
true
