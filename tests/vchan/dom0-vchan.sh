# dom0-vchan.sh - run inside the nested dom0 by tests/vchan/test-xen.sh
# (platform/xen/launch --dom0-only --dom0-script). Files in files/: the
# Kiln images echo, client and hostile; vchan-socket-proxy and
# libxenvchan.so.4.17 from the host's xen-utils-4.17.
#
# xenstored ignores a permission given to a domain that did not exist when
# it was set, so a vchan server publishes only for existing clients: the
# clients are created first, paused, then the server, and the clients are
# let run one after the other. In a fresh boot their ids are (checked):
#   1 cli      apps/vchan-client: 64 MiB each way through srv (SHA-256)
#   2 cli0     apps/vchan-client against dom0's vchan-socket-proxy as the
#              server (its output fed back to its input: an echo), 1 MiB
#   3 leaver   a client that closes mid-stream
#   4 victim   a client destroyed (xl destroy) mid-stream
#   5 hostile  tests/vchan/apps/vchan-hostile: a write index two rings ahead
#   6 srv      apps/vchan-echo serving peers 1, 0, 3, 4 and 5 on port echo
# and dom0's vchan-socket-proxy is a client of srv twice: before the
# others, and after them (srv still serves).
# Prints "RESULT NAME ok|fail DETAIL" lines, then every guest's console
# (lines "con NAME: ...").
#
# Guests are watched through xenstore (xenstored's @releaseDomain, the
# exit status each Kiln guest writes) and their consoles read from
# xenconsoled's logs, so that few xl processes run at once.
F=/run/kiln/files
PROXY="env LD_LIBRARY_PATH=$F $F/vchan-socket-proxy"
CON=/var/log/xen/console
chmod +x $F/vchan-socket-proxy
names="cli cli0 leaver victim hostile srv"

result() { echo "RESULT $*"; }

# xlr ARGS...: xl, run again (twice at most) when it dies of a signal, as
# xl (and busybox) now and then do in this small dom0 when several
# domains exist; reported on the output.
xlr() {
	local i=0 rc
	while :; do
		timeout 60 xl "$@"
		rc=$?
		[ $rc -lt 128 ] || [ $i -ge 2 ] && return $rc
		echo "dom0: xl $1 died (status $rc); again"
		i=$((i + 1))
	done
}
con() { cat "$CON/guest-$1.log" 2>/dev/null; }

# state NAME: xl list's state column for the guest ("--p---" when paused).
state() { timeout 20 xl list "$1" 2>/dev/null | awk 'NR == 2 { print $5 }'; }

# diag NAME DOMID: what a guest that did not finish looks like, for the
# report: its xl state, its console, what it has in xenstore.
diag() {
	echo "dom0: $1 (domain $2): xl state '$(state "$1")', console: $(con "$1" | tail -3 | tr '\n' '|')"
	xenstore-ls -f "/local/domain/$2" 2>&1 | grep -v '/device/\|/memory/' | sed "s/^/dom0: $1: /" | head -20
}

# run_guest NAME DOMID: unpause a guest created paused, and make sure it
# is no longer paused: an xl that timed out or died in this small dom0
# can leave it paused, which would read as a guest that never answers.
run_guest() {
	local i=0
	while [ $i -lt 3 ]; do
		xlr unpause "$2"
		case "$(state "$1")" in
		*p*) echo "dom0: $1 still paused after xl unpause; again" ;;
		*) return 0 ;;
		esac
		i=$((i + 1))
	done
	return 1
}

# domid_of NAME
. $F/dom0-domains.sh

# create NAME IMAGE MEM CMDLINE [-p]: a guest (paused with -p); prints its
# domid.
create() {
	cat >/tmp/$1.cfg <<CFG
name = "$1"
type = "pvh"
kernel = "$F/$2"
memory = $3
cmdline = "$4"
on_poweroff = "preserve"
on_crash = "preserve"
on_reboot = "preserve"
CFG
	local i=0
	while :; do
		timeout 60 xl create $5 /tmp/$1.cfg >/tmp/$1.xl 2>&1
		rc=$?
		[ -n "$(domid_of "$1")" ] || [ $rc -lt 128 ] || [ $i -ge 2 ] && break
		echo "dom0: xl create $1 died (status $rc); again" >&2
		i=$((i + 1))
	done
	domid_of "$1"
}

# wait_exit DOMID SECS: the guest's exit status once it has written one,
# "gone" when the domain went without, "running" after SECS.
wait_exit() {
	local d=$1 end=$(($(cut -d. -f1 /proc/uptime) + $2)) s
	while [ "$(cut -d. -f1 /proc/uptime)" -lt $end ]; do
		s=$(xenstore-read "/local/domain/$d/data/kiln-exit-status" 2>/dev/null)
		[ -n "$s" ] && echo "$s" && return
		xenstore-read "/local/domain/$d/name" >/dev/null 2>&1 || { echo gone; return; }
		timeout 2 xenstore-watch -n 2 @releaseDomain >/dev/null 2>&1
	done
	echo running
}

# wait_line NAME PATTERN SECS: until the guest's console has such a line.
wait_line() {
	local i=0
	while [ $i -lt $(($3 * 10)) ]; do
		con "$1" | grep -q "$2" && return 0
		usleep 100000
		i=$((i + 1))
	done
	return 1
}

# proxy_client BYTES TAG: dom0's vchan-socket-proxy as a client of srv,
# BYTES through the echo; its input stays open until all came back.
proxy_client() {
	head -c "$1" /dev/urandom >/tmp/p.in
	: >/tmp/p.out
	(
		cat /tmp/p.in
		i=0
		while [ "$(stat -c %s /tmp/p.out)" -lt "$1" ] && [ $i -lt 800 ]; do
			usleep 100000
			i=$((i + 1))
		done
	) | timeout 90 $PROXY -m client "$srv" "/local/domain/$srv/data/vchan/0/echo" - \
		>/tmp/p.out 2>/tmp/p.err
	a=$(sha256sum </tmp/p.in | cut -d' ' -f1)
	b=$(sha256sum </tmp/p.out | cut -d' ' -f1)
	if [ "$a" = "$b" ]; then
		result "$2" ok "$1 bytes from dom0's vchan-socket-proxy (libxenvchan, client) through the Kiln echo and back, sha256 alike"
	else
		result "$2" fail "sent $1 bytes sha256 $a, got $(stat -c %s /tmp/p.out) bytes sha256 $b: $(tail -2 /tmp/p.err | tr '\n' '|')"
	fi
}

cli=$(create cli client 32 "--peer=6 --bytes=67108864 --wait-ms=60000" -p)
cli0=$(create cli0 client 32 "--peer=0 --bytes=1048576 --wait-ms=60000" -p)
lv=$(create leaver client 32 "--peer=6 --bytes=1073741824 --close-after=2097152 --wait-ms=60000" -p)
vi=$(create victim client 32 "--peer=6 --bytes=1073741824 --wait-ms=60000" -p)
ho=$(create hostile hostile 32 "--peer=6" -p)
srv=$(create srv echo 48 "--peers=1,0,3,4,5 --ring=262144")
ids="$cli $cli0 $lv $vi $ho $srv"
if [ "$ids" != "1 2 3 4 5 6" ]; then
	result domids fail "the domains are '$ids', not 1 2 3 4 5 6"
fi
wait_line srv "peer 5: listening" 60 || result srv-start fail "the server does not listen: $(con srv | tail -3)"

# dom0's proxy as a client of the Kiln server.
proxy_client 1048576 proxy-client

# Kiln <-> Kiln, 64 MiB each way.
run_guest cli "$cli"
st=$(wait_exit "$cli" 240)
sent=$(con cli | sed -n 's/.*sent 67108864 bytes sha256 \([0-9a-f]*\).*/\1/p')
got=$(con cli | sed -n 's/.*received 67108864 bytes sha256 \([0-9a-f]*\).*/\1/p')
echoed=$(con srv | sed -n "s/.*peer $cli: 67108864 bytes echoed, sha256 \([0-9a-f]*\).*/\1/p")
rate=$(con cli | sed -n 's/.* s, \(.*\) MB\/s each way/\1/p')
if [ "$st" = 0 ] && [ -n "$sent" ] && [ "$sent" = "$got" ] && [ "$sent" = "$echoed" ]; then
	result kiln-kiln ok "64 MiB each way between two Kiln domUs, sha256 alike on both sides ($rate MB/s each way under TCG)"
else
	result kiln-kiln fail "client status $st, sha256 sent '$sent' got '$got' echoed '$echoed': $(con cli | tail -3 | tr '\n' '|') domains: $(timeout 20 xl list 2>&1 | tr '\n' '|')"
fi

# A Kiln client of dom0's proxy as the server, the proxy's output fed
# back to its input: an echo. Through a file that tail -f follows, not a
# pipe: the proxy writes its output with blocking writes from the same
# loop that reads its input, so a full pipe back to itself would stop it
# for good (seen: 64 KiB sent, 16 KiB back, then nothing).
: >/tmp/loop.out
mkfifo /tmp/loop
tail -c +1 -f /tmp/loop.out >/tmp/loop &
tpid=$!
$PROXY -m server "$cli0" "/local/domain/0/data/vchan/$cli0/echo" - </tmp/loop >>/tmp/loop.out 2>/tmp/ps.err &
ppid=$!
sleep 1
run_guest cli0 "$cli0"
st=$(wait_exit "$cli0" 240)
if [ "$st" = 0 ] && con cli0 | grep -q "echo matches"; then
	result proxy-server ok "1 MiB from a Kiln client through dom0's vchan-socket-proxy (libxenvchan, server) and back, sha256 alike"
else
	result proxy-server fail "client status $st (xl state '$(state cli0)'): $(con cli0 | tail -3 | tr '\n' '|') proxy: $(tail -2 /tmp/ps.err | tr '\n' '|')"
	# What each side was doing, for the report.
	echo "dom0: proxy $(kill -0 $ppid 2>/dev/null && echo "alive, in $(cat /proc/$ppid/wchan 2>/dev/null)" || echo gone)"
	diag cli0 "$cli0"
	xenstore-ls -f "/local/domain/0/data/vchan" 2>&1 | sed 's/^/dom0: /' | head -10
	sleep 5
	con cli0 | tail -3 | sed 's/^/dom0: later: /'
fi
kill $ppid $tpid 2>/dev/null

# A client leaving mid-stream.
run_guest leaver "$lv"
st=$(wait_exit "$lv" 120)
if [ "$st" = 0 ] && wait_line srv "peer $lv: .*bytes echoed.*closed by the peer" 30; then
	result leaver ok "a client closing mid-stream is an end of stream for the server"
else
	result leaver fail "client status $st: $(con srv | tail -2 | tr '\n' '|')"
	diag leaver "$lv"
fi

# A client domain destroyed mid-stream.
run_guest victim "$vi"
sleep 5
xlr destroy "$vi"
if wait_line srv "peer $vi port echo: the peer went away" 40 &&
	wait_line srv "peer $vi: .*bytes echoed.*connection reset" 20; then
	result destroyed ok "a client domain destroyed mid-stream: the server reports that the peer went away and closes the channel"
else
	result destroyed fail "no report: $(con srv | tail -3 | tr '\n' '|')"
fi

# A hostile client.
run_guest hostile "$ho"
st=$(wait_exit "$ho" 60)
if [ "$st" = 0 ] && wait_line srv "peer $ho port echo: the peer broke the protocol" 20; then
	result hostile ok "a client writing a garbage index: the server reports it and closes the channel ($(con hostile | tail -1))"
else
	result hostile fail "hostile status $st: $(con hostile | tail -2 | tr '\n' '|') / $(con srv | tail -2 | tr '\n' '|')"
fi

# The server still serves, and is still there.
proxy_client 262144 still-serving
if xenstore-read "/local/domain/$srv/name" >/dev/null 2>&1 &&
	[ -z "$(xenstore-read "/local/domain/$srv/data/kiln-exit-status" 2>/dev/null)" ]; then
	result srv-alive ok "the server domain runs on after all of it"
else
	result srv-alive fail "the server stopped: $(con srv | tail -3 | tr '\n' '|')"
fi

for n in $names; do
	con "$n" | sed "s/^/con $n: /"
done
dmesg | grep -i 'segfault\|traps:' | sed 's/^/dom0: /'
exit 0
