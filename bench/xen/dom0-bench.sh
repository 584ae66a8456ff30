# dom0-bench.sh - run inside the nested dom0 by bench/xen/run.sh
# (platform/xen/launch --dom0-only --dom0-script): creates each guest
# listed in files/guests RUNS times, one after the other, and prints per
# run
#   NAME RUN create-to-first-line create-to-domain create-to-exit STATE
# in seconds of dom0's uptime (10 ms resolution). "First line" is the first
# newline on the guest's console (xl create -c, read through a pipe, so
# nothing polls while the guest boots); "exit" is the guest's shutdown as
# xenstored announces it (@releaseDomain), then xl list.
#
# files/guests: one guest a line, "NAME KERNEL RAMDISK|- MEM CMDLINE..."
# with KERNEL and RAMDISK file names in files/.
now() { cut -d' ' -f1 /proc/uptime; }
runs=$(cat files/runs 2>/dev/null || echo 3)
mkfifo /tmp/bench-in
exec 3<>/tmp/bench-in
while read -r name kernel ramdisk mem cmdline; do
	[ -n "$name" ] || continue
	r=1
	while [ $r -le "$runs" ]; do
		cfg=/tmp/bench-$name.cfg
		{
			echo "name = \"bench-$name\""
			echo 'type = "pvh"'
			echo "kernel = \"/run/kiln/files/$kernel\""
			[ "$ramdisk" != - ] && echo "ramdisk = \"/run/kiln/files/$ramdisk\""
			echo "memory = $mem"
			echo "cmdline = \"$cmdline\""
			echo 'on_poweroff = "preserve"'
			echo 'on_crash = "preserve"'
			echo 'on_reboot = "preserve"'
		} >"$cfg"
		rm -f /tmp/bench-first /tmp/bench-created
		t0=$(now)
		(
			xl create -c "$cfg" <&3 2>/tmp/bench-xl.err | {
				IFS= read -r line && now >/tmp/bench-first
				cat >/dev/null
			}
		) &
		pid=$!
		domid=
		i=0
		while [ -z "$domid" ] && [ $i -lt 600 ]; do
			domid=$(xl domid "bench-$name" 2>/dev/null)
			[ -n "$domid" ] || usleep 20000
			i=$((i + 1))
		done
		tc=$(now)
		state=
		while [ -n "$domid" ]; do
			set -- $(xl list "$domid" 2>/dev/null | awk 'NR == 2')
			state=${5:-gone}
			case "$state" in *s* | *c* | gone) break ;; esac
			timeout 5 xenstore-watch -n 2 @releaseDomain >/dev/null 2>&1
		done
		te=$(now)
		usleep 200000
		kill $pid $(pidof xenconsole) 2>/dev/null
		[ -n "$domid" ] && xl destroy "$domid" >/dev/null 2>&1
		wait $pid 2>/dev/null
		tf=$(cat /tmp/bench-first 2>/dev/null)
		awk -v n="$name" -v r="$r" -v t0="$t0" -v tf="$tf" -v tc="$tc" -v te="$te" -v s="$state" 'BEGIN {
			f = (tf == "") ? "-" : sprintf("%.2f", tf - t0)
			printf "%s %d %s %.2f %.2f %s\n", n, r, f, tc - t0, te - t0, s
		}'
		r=$((r + 1))
	done
done <files/guests
