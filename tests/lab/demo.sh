# make demo: boot the default guest with its console on the lab's console.
. /lab/lib.sh
echo "demo: inside L1, running: meridian run -k vmlinuz -i initrd.gz -c 2 -m 256M"
$MERIDIAN run -k $KERNEL -i $INITRD -c 2 -m 256M -a "$BASE quiet act=poweroff" < /dev/null
echo "demo: meridian exited with status $?"
