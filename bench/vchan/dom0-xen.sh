# dom0-xen.sh - run inside the nested dom0 by bench/vchan/xen.sh: vchan
# and TCP between the same kind of two Kiln domUs, one measurement per
# client domain. The domUs' vifs hang on a bridge of their own in dom0
# (xenbr9, no uplink, no address). Clients exist (paused) before the
# server publishes for them: xenstored ignores permissions given to
# domains created later. Prints "vchan|tcp stream MB/s" and "vchan|tcp rtt
# P50 P99 MEAN" lines.
F=/run/kiln/files
MB=$(cat files/mb 2>/dev/null || echo 16)
PINGS=$(cat files/pings 2>/dev/null || echo 200)
ip link add xenbr9 type bridge && ip link set xenbr9 up
echo 0 >/sys/class/net/xenbr9/bridge/forward_delay
buf=""

# domid_of NAME
. $F/dom0-domains.sh
# create NAME IMAGE MAC CMDLINE [-p]
create() {
	cat >/tmp/$1.cfg <<CFG
name = "$1"
type = "pvh"
kernel = "$F/$2"
memory = 48
cmdline = "$4"
vif = [ 'bridge=xenbr9,mac=$3' ]
on_poweroff = "preserve"
on_crash = "preserve"
CFG
	timeout 60 xl create $5 /tmp/$1.cfg >/tmp/$1.xl 2>&1
	domid_of "$1"
}
wait_exit() {
	local d=$1 end=$(($(cut -d. -f1 /proc/uptime) + $2)) s
	while [ "$(cut -d. -f1 /proc/uptime)" -lt $end ]; do
		s=$(xenstore-read "/local/domain/$d/data/kiln-exit-status" 2>/dev/null)
		[ -n "$s" ] && echo "$s" && return
		timeout 2 xenstore-watch -n 2 @releaseDomain >/dev/null 2>&1
	done
	echo running
}
con() { cat "/var/log/xen/console/guest-$1.log" 2>/dev/null; }

vs=$(create vs client 00:16:3e:4b:09:01 "--peer=5 --bytes=$((MB << 20)) --no-hash --wait-ms=60000" -p)
vp=$(create vp client 00:16:3e:4b:09:02 "--peer=5 --pings=$PINGS --wait-ms=60000" -p)
ts=$(create ts client 00:16:3e:4b:09:03 "--tcp=198.18.0.2:7 --ipv4=198.18.0.3/24 $buf --bytes=$((MB << 20)) --no-hash" -p)
tp=$(create tp client 00:16:3e:4b:09:04 "--tcp=198.18.0.2:7 --ipv4=198.18.0.4/24 $buf --pings=$PINGS" -p)
sleep 1
srv=$(create srv echo 00:16:3e:4b:09:00 "--peers=$vs,$vp --ring=1048576 --no-hash --tcp-port=7 --ipv4=198.18.0.2/24 $buf")
echo "domains: $vs $vp $ts $tp $srv"
i=0
until con srv | grep -q "echoing tcp"; do
	i=$((i + 1))
	[ $i -ge 300 ] && { echo "the server does not start: $(con srv | tail -2)"; break; }
	usleep 100000
done
for c in vs vp ts tp; do
	eval d=\$$c
	timeout 60 xl unpause "$d"
	st=$(wait_exit "$d" 300)
	[ "$st" = 0 ] || echo "$c: status $st: $(con $c | tail -2 | tr '\n' '|')"
done
con vs | sed -n 's/.* s, \([0-9.]*\) MB\/s each way/vchan stream \1/p'
con ts | sed -n 's/.* s, \([0-9.]*\) MB\/s each way/tcp stream \1/p'
con vp | sed -n 's/.*p50 \([0-9]*\) us, p99 \([0-9]*\) us, mean \([0-9]*\) us/vchan rtt \1 \2 \3/p'
con tp | sed -n 's/.*p50 \([0-9]*\) us, p99 \([0-9]*\) us, mean \([0-9]*\) us/tcp rtt \1 \2 \3/p'
exit 0
