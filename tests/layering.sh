#!/bin/sh
# The layering check (docs/architecture.md, "Layers"): a folder of src/
# includes only its own headers and those of lower layers, and no two
# files include each other. Prints every violation and fails on any.
set -u
cd "$(dirname "$0")/../src" || exit 1

# lowest first; folders on one line are one layer and may not include each other
LAYERS='base
cpu kvm
config
block net boot
dev
vm
migrate
api
core
cli'

rank() {
	echo "$LAYERS" | awk -v d="$1" '{ for (i = 1; i <= NF; i++) if ($i == d) { print NR; exit } }'
}

bad=0
for f in */*.c */*.h; do
	dir=${f%%/*}
	r=$(rank "$dir")
	if [ -z "$r" ]; then
		echo "layering: $f: folder $dir is not in a layer (tests/layering.sh)"
		bad=$((bad + 1)); continue
	fi
	for h in $(sed -n 's/^#include "\([a-z_]*\)\/\([a-z_0-9]*\.h\)".*/\1\/\2/p' "$f"); do
		hdir=${h%%/*}
		[ "$hdir" = "$dir" ] && continue
		hr=$(rank "$hdir")
		if [ -z "$hr" ] || [ "$hr" -ge "$r" ]; then
			echo "layering: $f includes $h: $dir may include only lower layers"
			bad=$((bad + 1))
		fi
	done
done

# no include cycle among headers (tsort names the files of a loop)
edges=$(for f in */*.h; do
	echo "$f $f"
	sed -n 's/^#include "\([a-z_]*\/[a-z_0-9]*\.h\)".*/\1/p' "$f" | sed "s|^|$f |"
done)
loops=$(echo "$edges" | tsort 2>&1 >/dev/null | grep -v 'input contains a loop' | sed 's/^tsort: //')
if [ -n "$loops" ]; then
	echo "layering: headers that include each other (a loop):" $loops
	bad=$((bad + 1))
fi

if [ $bad -gt 0 ]; then
	echo "layering: $bad violations"
	exit 1
fi
echo "layering: every include goes down ($(ls */*.c */*.h | wc -l) files)"
