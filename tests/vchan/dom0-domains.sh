# dom0-domains.sh - sourced inside the nested dom0 by the vchan scripts
# that run there (tests/vchan/dom0-vchan.sh, bench/vchan/dom0-xen.sh),
# which get it through platform/xen/launch --dom0-file.

# domid_of NAME: from xenstore, empty if there is none.
domid_of() {
	local d
	for d in $(xenstore-list /local/domain 2>/dev/null); do
		[ "$(xenstore-read /local/domain/$d/name 2>/dev/null)" = "$1" ] &&
			echo "$d" && return
	done
}
