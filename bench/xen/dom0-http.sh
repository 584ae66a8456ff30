# dom0-http.sh - run inside the nested dom0 by bench/xen/run.sh
# (platform/xen/launch --dom0-only): boots files/decks as a PVH guest on a
# bridge that only dom0 and the guest are on (dom0 198.18.0.1, the guest
# --ipv4=198.18.0.2/24: no QEMU NIC, no kiln-usernet), then times GET /
# from dom0 with busybox nc (its static wget crashes in dom0):
# files/http-n requests one connection each, and ten times as many
# pipelined on one connection. Prints
#   http ready T
#   http sequential N OK T0 T1
#   http pipelined N OK T0 T1
# in seconds of dom0's uptime.
now() { cut -d' ' -f1 /proc/uptime; }
n=$(cat files/http-n 2>/dev/null || echo 100)
ip link add xenbr0 type bridge || exit 1
b=/sys/class/net/xenbr0/bridge
echo 0 >$b/stp_state
echo 0 >$b/forward_delay
echo 0 >$b/multicast_snooping
ip addr add 198.18.0.1/24 dev xenbr0
ip link set xenbr0 up
cat >/tmp/decks.cfg <<EOF
name = "bench-decks"
type = "pvh"
kernel = "/run/kiln/files/decks"
memory = 64
cmdline = "--ipv4=198.18.0.2/24"
vif = [ 'bridge=xenbr0' ]
on_poweroff = "preserve"
on_crash = "preserve"
on_reboot = "preserve"
EOF
get1() {
	printf 'GET / HTTP/1.1\r\nHost: 198.18.0.2\r\nConnection: close\r\n\r\n' |
		timeout 5 nc 198.18.0.2 80 2>/dev/null | head -1 | grep -q '^HTTP/1.1 200'
}
mkfifo /tmp/decks-in
exec 3<>/tmp/decks-in
xl create -c /tmp/decks.cfg <&3 >/tmp/decks.console 2>&1 &
# Wait for the guest to say it listens, then for its first answer.
i=0
until grep -q 'listening on' /tmp/decks.console 2>/dev/null && get1; do
	i=$((i + 1))
	if [ $i -ge 120 ]; then
		echo "http: the decks guest does not answer"
		tail -5 /tmp/decks.console
		exit 1
	fi
	usleep 500000
done
echo "http ready $(now)"
ok=0
i=0
t0=$(now)
while [ $i -lt "$n" ]; do
	get1 && ok=$((ok + 1))
	i=$((i + 1))
done
t1=$(now)
echo "http sequential $n $ok $t0 $t1"
p=$((n * 10))
i=1
: >/tmp/reqs
while [ $i -lt "$p" ]; do
	printf 'GET / HTTP/1.1\r\nHost: 198.18.0.2\r\n\r\n' >>/tmp/reqs
	i=$((i + 1))
done
printf 'GET / HTTP/1.1\r\nHost: 198.18.0.2\r\nConnection: close\r\n\r\n' >>/tmp/reqs
t0=$(now)
ok=$(timeout 120 nc 198.18.0.2 80 </tmp/reqs | grep -c '^HTTP/1.1 200')
t1=$(now)
echo "http pipelined $p $ok $t0 $t1"
xl destroy bench-decks >/dev/null 2>&1
exit 0
