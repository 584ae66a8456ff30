#!/usr/bin/env bash
# kiln run: host options are translated QEMU style into the launch
# template, boot arguments follow "--", and the image's exit status (or
# the signal that ended it) comes back through kiln.
# timeout: 120
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/fake-tree.sh"
[ -x "$KILN" ] || { fail "kiln-run" "bin/kiln is missing (run make)"; finish; }

T=$(scratch)
cd "$T"
make_fake_tree "$T/root"
make_fake_app "$T/app" probe
export KILN_ROOT="$T/root"
export FAKE_ARGS="$T/args"

# Host ports free now (a forward to a taken port is refused).
freeport() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
H=$(freeport)
U=$(python3 -c 'import socket; s=socket.socket(type=socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

# args: the image's arguments from the last run, space-separated.
args() { tr '\n' ' ' <"$T/args" | sed 's/ $//'; }

out=$(timeout 60 "$KILN" run -t fake app 2>&1)
rc=$?
[ $rc -eq 0 ] && [[ "$out" == *"hi 42 1 7" ]] && [ "$(args)" = "--" ] &&
	pass "run builds and runs" || fail "run builds and runs" "rc=$rc: $out / $(args)"

out=$(timeout 60 "$KILN" run -t fake app 2>&1)
[ "$out" = "hi 42 1 7" ] && pass "an up-to-date run prints only the image's output" ||
	fail "an up-to-date run prints only the image's output" "$out"

timeout 60 "$KILN" run -t fake app -- --exit=7 >/dev/null 2>&1
rc=$?
[ $rc -eq 7 ] && pass "exit status propagates (7)" || fail "exit status propagates (7)" "rc=$rc"
timeout 60 "$KILN" run -t fake app -- --exit=0 >/dev/null 2>&1
rc=$?
[ $rc -eq 0 ] && pass "exit status propagates (0)" || fail "exit status propagates (0)" "rc=$rc"
rc=$(
	timeout 60 "$KILN" run -t fake app -- --signal=15 >/dev/null 2>&1
	echo $?
) 2>/dev/null
[ $rc -eq 143 ] && pass "death by signal propagates (SIGTERM)" || fail "death by signal propagates (SIGTERM)" "rc=$rc"

# kiln is replaced by the image (exec): the image's pid is kiln's.
"$KILN" run -t fake app -- --pid >"$T/out" 2>&1 &
kpid=$!
wait $kpid
grep -q "^pid $kpid\$" "$T/out" && pass "kiln execs the image" || fail "kiln execs the image" "kiln $kpid: $(cat "$T/out")"

# (Forwards need an app with a network device: "napp".)
make_fake_app "$T/napp" napp
echo "devices = net:net0" >>napp/kiln.app
timeout 60 "$KILN" run -t fake napp -p $H:80 -p $U:53/udp --mem 16M --block /tmp/disk.img -- --log=debug x >/dev/null 2>&1
want="--mem 16M --net user,hostfwd=tcp:127.0.0.1:$H-:80,hostfwd=udp:127.0.0.1:$U-:53 --block file=/tmp/disk.img -- --log=debug x"
[ "$(args)" = "$want" ] && pass "-p, --mem, --block become host options" ||
	fail "-p, --mem, --block become host options" "got: $(args)"

timeout 60 "$KILN" run --target=fake app --mem=32M --block=/tmp/b.img -- x >/dev/null 2>&1
[ "$(args)" = "--mem 32M --block file=/tmp/b.img -- x" ] && pass "--name=VALUE options" ||
	fail "--name=VALUE options" "got: $(args)"

timeout 60 "$KILN" run -t fake napp --net tap:tap7 --net user -p $H:80 >/dev/null 2>&1
want="--net tap,ifname=tap7 --net user,hostfwd=tcp:127.0.0.1:$H-:80 --"
[ "$(args)" = "$want" ] && pass "--net tap and user, forwards on the user net" ||
	fail "--net tap and user, forwards on the user net" "got: $(args)"

timeout 60 "$KILN" run -t fake napp --net tap:tap7 -p $H:80 >/dev/null 2>&1
want="--net tap,ifname=tap7 --net user,hostfwd=tcp:127.0.0.1:$H-:80 --"
[ "$(args)" = "$want" ] && pass "-p adds a user net after a tap" ||
	fail "-p adds a user net after a tap" "got: $(args)"

timeout 60 "$KILN" run -t fake2 app --machine beta >/dev/null 2>&1
[ "$(args)" = "--machine beta --" ] && pass "--machine on a target with machines" ||
	fail "--machine on a target with machines" "got: $(args)"

echo "devices = net:net0 block:disk" >>app/kiln.app
timeout 60 "$KILN" run -t fake app >/dev/null 2>&1
[ "$(args)" = "--net user --" ] && pass "an app with a net device gets user networking" ||
	fail "an app with a net device gets user networking" "got: $(args)"
timeout 60 "$KILN" run -t fake app --net tap:t0 >/dev/null 2>&1
[ "$(args)" = "--net tap,ifname=t0 --" ] && pass "--net overrides the default" ||
	fail "--net overrides the default" "got: $(args)"

# The launch template: {root}, {platform}, {image} and words around them.
sed -i 's|^launch = .*|launch = {image} --root={root} --platform={platform} {opts} -- {args}|' root/platform/fake/kiln.target
timeout 60 "$KILN" run -t fake app -- a >/dev/null 2>&1
want="--root=$T/root --platform=$T/root/platform/fake --net user -- a"
[ "$(args)" = "$want" ] && pass "launch placeholders" || fail "launch placeholders" "got: $(args)"

# Without -t, an app whose targets leave out the default gets its first.
sed -i 's/^name = probe/name = probe\ntargets = fake2 fake/' app/kiln.app
out=$(timeout 60 "$KILN" run app 2>&1)
rc=$?
[ $rc -eq 0 ] && [ -x app/_build/fake2/probe ] && pass "default target: the app's first" ||
	fail "default target: the app's first" "rc=$rc: $out"

# A missing launcher is reported before building.
sed -i 's|^launch = .*|launch = {root}/bin/kiln-nothing {opts} {image}|' root/platform/fake2/kiln.target
touch app/other.c
out=$(timeout 60 "$KILN" run -t fake2 app 2>&1)
rc=$?
[ $rc -eq 1 ] && [ "$out" = "kiln: target 'fake2' launches images with $T/root/bin/kiln-nothing: No such file or directory (run make)" ] &&
	pass "a missing launcher: one line, before building" ||
	fail "a missing launcher: one line, before building" "rc=$rc: $out"

# A build failure is status 1 and nothing runs.
echo 'syntax error' >>app/other.c
rm -f "$T/args"
timeout 60 "$KILN" run -t fake app >/dev/null 2>&1
rc=$?
[ $rc -eq 1 ] && [ ! -e "$T/args" ] && pass "a failed build runs nothing (status 1)" ||
	fail "a failed build runs nothing (status 1)" "rc=$rc"
# The app's forward key: default forwards when neither -p nor --net is
# given, and the URL of /http forwards printed before the image starts.
# (The fake launch template now puts --root and --platform first.)
netargs() { args | sed 's/^--root=[^ ]* --platform=[^ ]* //'; }
make_fake_app "$T/web" web
printf 'devices = net:net0\nforward = %s\n' "$H:80/http $U:53/udp" >>"$T/web/kiln.app"
out=$(timeout 60 "$KILN" run -t fake web 2>&1)
want="--net user,hostfwd=tcp:127.0.0.1:$H-:80,hostfwd=udp:127.0.0.1:$U-:53 --"
[ "$(netargs)" = "$want" ] && pass "the app's forwards are the default" ||
	fail "the app's forwards are the default" "got: $(netargs)"
# The URL is printed once it answers, not before: the fake image listens
# on the host port itself after 1.5 s ("listening"), and kiln's line
# comes after that, and a request sent when it appears is answered.
p1=$(freeport)
timeout 60 "$KILN" run -t fake web -p "$p1:80/http" -- "--serve=$p1:1500:6" >"$T/url.out" 2>&1 &
kp=$!
wait_for 20 grep -q '^serving on' "$T/url.out"
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "http://127.0.0.1:$p1/")
wait $kp
[ "$code" = 200 ] && [ "$(grep -x -e listening -e "serving on http://127.0.0.1:$p1/" "$T/url.out" | tr '\n' ' ')" = "listening serving on http://127.0.0.1:$p1/ " ] &&
	pass "kiln run prints the URL once it answers (not before)" ||
	fail "kiln run prints the URL once it answers (not before)" "curl $code: $(cat "$T/url.out")"
p2=$(freeport)
out=$(timeout 60 "$KILN" run -t fake web -p "$p2:80" -- "--serve=$p2:0:2" 2>&1)
[ "$(netargs)" = "--net user,hostfwd=tcp:127.0.0.1:$p2-:80 -- --serve=$p2:0:2" ] &&
	grep -qx "serving on http://127.0.0.1:$p2/" <<<"$out" &&
	pass "-p replaces the app's forwards; the URL follows the host port" ||
	fail "-p replaces the app's forwards; the URL follows the host port" "$(netargs) / $out"
out=$(timeout 60 "$KILN" run -t fake web --url-wait 1 -p "$p2:80" -- --sleep=3 2>&1)
rc=$?
[ $rc -eq 0 ] && [ "$out" = "kiln: http://127.0.0.1:$p2/ does not answer after 1 s (the guest is still running; see its output)" ] &&
	pass "a URL that never answers: one line after the bound" ||
	fail "a URL that never answers: one line after the bound" "rc=$rc: $out"
out=$(timeout 60 "$KILN" run -t fake web -p "$p2:80" -- --exit=0 2>&1)
[ -z "$out" ] && pass "a guest that exits: no URL and no complaint" ||
	fail "a guest that exits: no URL and no complaint" "$out"
out=$(timeout 60 "$KILN" run -t fake web --net tap:tap3 2>&1)
[ "$(netargs)" = "--net tap,ifname=tap3 --" ] && ! grep -q 'serving on' <<<"$out" &&
	pass "with --net tap no forward and no URL" ||
	fail "with --net tap no forward and no URL" "$(netargs) / $out"
make_fake_app "$T/plain" plain
echo "devices = net:net0" >>"$T/plain/kiln.app"
out=$(timeout 60 "$KILN" run -t fake plain -p "$p2:80" -- "--serve=$p2:0:2" 2>&1)
! grep -q 'serving on' <<<"$out" && grep -q listening <<<"$out" && pass "no URL for a forward that is not HTTP" ||
	fail "no URL for a forward that is not HTTP" "$out"
make_fake_app "$T/badfw" badfw
printf 'devices = net:net0\nforward = 80\n' >>"$T/badfw/kiln.app"
out=$(timeout 60 "$KILN" run -t fake badfw 2>&1)
rc=$?
[ $rc -eq 2 ] && [ "$(echo "$out" | wc -l)" -eq 1 ] && grep -q 'kiln.app:6: forward 80: expected HOST:GUEST' <<<"$out" &&
	pass "a bad forward in the manifest: file:line, exit 2" ||
	fail "a bad forward in the manifest: file:line, exit 2" "rc=$rc: $out"


# Port mistakes: one line, exit 2, nothing built or run.
# mistake NAME TEXT ARGS...: kiln run ARGS prints exactly TEXT, exits 2,
# and runs nothing.
mistake() {
	local name=$1 text=$2
	shift 2
	rm -f "$T/args"
	local out rc
	out=$(timeout 60 "$KILN" run "$@" 2>&1)
	rc=$?
	[ $rc -eq 2 ] && [ "$out" = "$text" ] && [ ! -e "$T/args" ] && pass "$name" ||
		fail "$name" "rc=$rc: $out"
}
make_fake_app "$T/nonet" nonet
mistake "-p on an app without a network device" \
	"kiln: -p $H:80: nonet has no network device to forward to (its kiln.app declares none)" \
	-t fake nonet -p "$H:80"
make_fake_app "$T/nonetfw" nonetfw
echo "forward = $H:80/http" >>nonetfw/kiln.app
mistake "a forward key on an app without a network device" \
	"kiln: nonetfw/kiln.app:5: forward: nonetfw declares no network device (devices = net:net0)" \
	-t fake nonetfw
mistake "one host port forwarded twice" \
	"kiln: -p $H:81: host port $H is already forwarded by -p $H:80" \
	-t fake napp -p "$H:80" -p "$H:81"
mistake "one UDP host port forwarded twice" \
	"kiln: -p $U:54/udp: host port $U/udp is already forwarded by -p $U:53/udp" \
	-t fake napp -p "$U:53/udp" -p "$U:54/udp"
make_fake_app "$T/dupfw" dupfw
printf 'devices = net:net0\nforward = %s:80/http %s:81\n' "$H" "$H" >>dupfw/kiln.app
mistake "a forward key with one host port twice" \
	"kiln: dupfw/kiln.app:6: forward: host port $H is forwarded twice" \
	-t fake dupfw
timeout 60 "$KILN" run -t fake napp -p "$H:7" -p "$H:7/udp" >/dev/null 2>&1
[ "$(netargs)" = "--net user,hostfwd=tcp:127.0.0.1:$H-:7,hostfwd=udp:127.0.0.1:$H-:7 --" ] &&
	pass "one port number for TCP and UDP is two forwards" ||
	fail "one port number for TCP and UDP is two forwards" "got: $(netargs)"
out=$(timeout 60 "$KILN" run -t fake napp 2>&1)
rc=$?
[ $rc -eq 0 ] && [ "$out" = "kiln: napp has a network device but nothing forwarded to it: add -p HOST:GUEST (e.g. -p 8080:80) or a forward line to its kiln.app
hi 42 1 7" ] && pass "a network app with nothing forwarded: a hint on how" ||
	fail "a network app with nothing forwarded: a hint on how" "rc=$rc: $out"
out=$(timeout 60 "$KILN" run -t fake napp --net user 2>&1)
[ "$out" = "hi 42 1 7" ] && pass "--net user says the network is wanted as it is: no hint" ||
	fail "--net user says the network is wanted as it is: no hint" "$out"

# A host port that is taken: one clear line, exit 2, no URL, nothing run.
busy=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 -c 'import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(1); time.sleep(30)' "$busy" &
holder=$!
on_exit "kill $holder 2>/dev/null"
wait_for 5 bash -c "ss -ltnH 'sport = :$busy' | grep -q ."
sleep 0.3
rm -f "$T/args"
out=$(timeout 60 "$KILN" run -t fake web -p "$busy:80" 2>&1)
rc=$?
[ $rc -eq 2 ] && [ "$(echo "$out" | wc -l)" -eq 1 ] && grep -q "127.0.0.1:$busy is in use" <<<"$out" &&
	! grep -q 'serving on' <<<"$out" && [ ! -e "$T/args" ] &&
	pass "a forward to a taken host port: one line, exit 2, nothing run" ||
	fail "a forward to a taken host port: one line, exit 2, nothing run" "rc=$rc: $out"
kill $holder 2>/dev/null
finish
