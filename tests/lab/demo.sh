# make demo: boot the default guest with its console on the lab's console.
. /lab/lib.sh
$MERIDIAN run -k $KERNEL -i $INITRD -c 2 -m 256M -a "console=ttyS0 quiet act=poweroff" < /dev/null
