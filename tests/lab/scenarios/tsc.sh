# tsc-frequency: the host's own frequency is accepted and the guest's TSC
# runs at it; where KVM cannot scale the TSC (the lab: no
# KVM_CAP_TSC_CONTROL), another frequency is refused before starting.
. /lab/lib.sh
json=$($MERIDIAN cpu explain --json)
khz=$(echo "$json" | sed -n 's/.*"tsc_khz": \([0-9]*\).*/\1/p')
scaling=$(echo "$json" | sed -n 's/.*"tsc_scaling": \([a-z]*\).*/\1/p')
[ -n "$khz" ] && [ "$khz" -gt 0 ] || fail "explain reports no host TSC frequency"
ok "host TSC $khz kHz, scaling $scaling"
OUT=/tmp/tsc.out
run_guest $OUT --cpu host,tsc-frequency=${khz}000 -a "$BASE quiet act=dmesg"
expect_status 0
mhz=$(sed -n 's/.*tsc: Detected \([0-9]*\)\.[0-9]* MHz processor.*/\1/p' $OUT | head -n1)
[ -n "$mhz" ] && [ $((mhz - khz / 1000)) -le 1 ] && [ $((khz / 1000 - mhz)) -le 1 ] ||
	fail "guest detected ${mhz:-no} MHz, host runs at $khz kHz"
ok "guest TSC at $mhz MHz"
if [ "$scaling" = false ]; then
	other=$((khz + khz / 10))
	run_guest $OUT --cpu host,tsc-frequency=${other}000
	expect_status 1
	expect $OUT "^meridian: --cpu host,tsc-frequency=${other}000: this host cannot scale the TSC \\(no KVM_CAP_TSC_CONTROL\\) and its TSC runs at $khz kHz, not $other kHz\$" "refused without scaling"
fi
