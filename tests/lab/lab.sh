# schoolgate's network-namespace lab, as a bash library.  Source it:
#
#   . tests/lab/lab.sh
#   lab_require                     # root and the tools, else exit 77
#   lab_up [ID]                     # the namespaces, dnsmasq, the servers
#   lab_conf FILE [key=value ...]   # a daemon configuration for the lab
#   lab_daemon_start CONF [CLOCK]   # schoolgated -d -v in the gateway
#   lab_daemon_stop [SIGNAL]        # default TERM; returns its status
#   lab_down [keep]                 # everything gone ("keep": the files)
#
# Used by tests/t-lab-live.sh, scripts/lab (by hand, and the narrated
# demo) and the soak test.  The lab:
#
#   jsmith  10.10.0.23, fd10::23 --+
#   pupil   10.10.32.5 ------------+-- bridge lan0 [gw] 10.10.0.1/16,
#   staff2  10.10.0.31 ------------+   10.10.0.53 (dnsmasq), fd10::1/64
#                                      schoolgated -d on lan0; forwarding
#                                   wan0 203.0.113.1 -- server namespace:
#   198.51.100.0/24, 192.0.2.0/24 and 2001:db8:100::/64 local ("the
#   internet"), TLS/443 + HTTP/80 + UDP/443 echo (tests/lab/livetool.py);
#   192.0.2.0/24, 100.64.0.0/16 and 198.51.100.41 answer 10 ms after
#   the ClientHello.
#   Names: tests/lab/live-zone.conf (www.instagram.com 198.51.100.10,
#   www.facebook.com .11, www.youtube.com and docs.example.org .30,
#   www.bbc.co.uk .50, ...) and sN.cdninstagram.com = 192.0.2.N+1 (N <
#   250), then in 100.64.0.0/16 up to N = 999.
#
# Namespaces are named sg-ID-ROLE (ROLE: jsmith pupil staff2 gw server),
# so several labs can run at once; every function takes a role or a
# namespace name.  State, set by lab_up or lab_load:
#
#   LAB_ID LAB_W (work directory: certificates, logs, configurations)
#   LAB_J LAB_P LAB_T LAB_G LAB_S (namespace names)
#   LAB_PIDS (dnsmasq, the servers, helpers)  LAB_DPID (the daemon)
#   LAB_STATE: when set, lab_up and lab_daemon_start record the above
#   there (shell assignments), for lab_load in a later process.
#
# Checks: lab_check DESC CMD... prints "ok ..." or "FAIL ..." and counts
# them in LAB_PASS and LAB_FAIL.
#
# Needs bash 5 (EPOCHREALTIME).

LAB_TOP=${LAB_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
LAB_B=${B:-build}
LAB_SGD=${LAB_SGD:-$LAB_TOP/$LAB_B/schoolgated}
LAB_LT=$LAB_TOP/tests/lab/livetool.py
LAB_ZONE=$LAB_TOP/tests/lab/live-zone.conf
LAB_TZ=Europe/London
LAB_ID=${LAB_ID:-}
LAB_W=${LAB_W:-}
LAB_J=${LAB_J:-} LAB_P=${LAB_P:-} LAB_T=${LAB_T:-} LAB_G=${LAB_G:-} LAB_S=${LAB_S:-}
LAB_PIDS=${LAB_PIDS:-}
LAB_DPID=${LAB_DPID:-}
LAB_DJOB=${LAB_DJOB:-}
LAB_DLOG=${LAB_DLOG:-}
LAB_STATE=${LAB_STATE:-}
LAB_PASS=${LAB_PASS:-0}
LAB_FAIL=${LAB_FAIL:-0}
LAB_CLOCK0=${LAB_CLOCK0:-}	# the test clock's start, epoch seconds
LAB_RATE=${LAB_RATE:-1}
LAB_CLOCK_MS=${LAB_CLOCK_MS:-}	# ... at this real time (epoch ms)

# The devices' addresses.
LAB_IP_JSMITH=10.10.0.23 LAB_IP6_JSMITH=fd10::23
LAB_IP_PUPIL=10.10.32.5
LAB_IP_STAFF2=10.10.0.31

lab_skip() { echo "skip: $*"; exit 77; }

# lab_require: root, the tools and network namespaces, or exit 77.
lab_require() {
	local t
	[ "$(id -u)" -eq 0 ] || lab_skip "not root (network namespaces need it)"
	[ "${BASH_VERSINFO[0]}" -ge 5 ] || lab_skip "bash 5 needed"
	for t in ip nft dnsmasq openssl curl python3 ss timeout setsid; do
		command -v "$t" >/dev/null 2>&1 || lab_skip "$t not installed"
	done
	ip netns list >/dev/null 2>&1 || lab_skip "ip netns unavailable"
	if [ ! -x "$LAB_SGD" ]; then
		make -s -C "$LAB_TOP" all >/dev/null 2>&1 ||
		    { echo "cannot build $LAB_SGD"; exit 1; }
	fi
}

# Time -------------------------------------------------------------------
lab_now_ms() { local t=${EPOCHREALTIME/./}; echo "${t:0:-3}"; }
lab_sleep_ms() {
	[ "$1" -gt 0 ] && sleep "$(printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000)))"
	return 0
}
lab_sleep_until() { lab_sleep_ms $(( $1 - $(lab_now_ms) )); }

# Namespaces -------------------------------------------------------------
# lab_ns ROLE|NS: the namespace's name
lab_ns() {
	case $1 in
	jsmith|J) echo "$LAB_J" ;;
	pupil|P) echo "$LAB_P" ;;
	staff2|T) echo "$LAB_T" ;;
	gw|G) echo "$LAB_G" ;;
	server|S) echo "$LAB_S" ;;
	*) echo "$1" ;;
	esac
}
# lab_in ROLE|NS CMD...: run CMD in that namespace
lab_in() { local ns; ns=$(lab_ns "$1"); shift; ip netns exec "$ns" "$@"; }
lab_namespaces() { echo "$LAB_J $LAB_P $LAB_T $LAB_G $LAB_S"; }

# lab_save: record the lab's state in $LAB_STATE (when set)
lab_save() {
	[ -n "$LAB_STATE" ] || return 0
	local v
	{
		echo "# schoolgate lab, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
		for v in LAB_ID LAB_W LAB_J LAB_P LAB_T LAB_G LAB_S LAB_PIDS \
		    LAB_DPID LAB_DLOG LAB_CLOCK0 LAB_RATE LAB_CLOCK_MS; do
			printf '%s=%q\n' "$v" "${!v}"
		done
	} >"$LAB_STATE.tmp" && mv "$LAB_STATE.tmp" "$LAB_STATE"
}
# lab_load FILE: read a lab's state (of scripts/lab up)
lab_load() {
	[ -r "$1" ] || return 1
	LAB_STATE=$1
	# shellcheck disable=SC1090
	. "$1"
}
# lab_exists: are the lab's namespaces there?
lab_exists() {
	[ -n "$LAB_G" ] && ip netns list 2>/dev/null | grep -q "^$LAB_G\( \|\$\)"
}

# lab_up [ID]: build the lab.  LAB_W is the work directory (made when
# unset: $LAB_TOP/$B/lab-ID).  Returns 1 (with a message) when something
# does not come up; call lab_down then.
lab_up() {
	local n c ns port i
	LAB_ID=${1:-${LAB_ID:-$$}}
	LAB_J=sg-$LAB_ID-jsmith LAB_P=sg-$LAB_ID-pupil LAB_T=sg-$LAB_ID-staff2
	LAB_G=sg-$LAB_ID-gw LAB_S=sg-$LAB_ID-server
	LAB_W=${LAB_W:-$LAB_TOP/$LAB_B/lab-$LAB_ID}
	mkdir -p "$LAB_W" || return 1
	ip netns add "$LAB_G" || { echo "cannot create network namespaces"; return 1; }
	lab_save
	for n in "$LAB_J" "$LAB_P" "$LAB_T" "$LAB_S"; do
		ip netns add "$n" || return 1
	done
	lab_save
	for n in $(lab_namespaces); do
		ip -n "$n" link set lo up
		ip netns exec "$n" sh -c 'echo 0 >/proc/sys/net/ipv6/conf/all/accept_dad;
		    echo 0 >/proc/sys/net/ipv6/conf/default/accept_dad'
	done
	ip -n "$LAB_G" link add lan0 type bridge
	ip -n "$LAB_G" link set lan0 type bridge stp_state 0 forward_delay 0
	for c in "$LAB_J:pj" "$LAB_P:pp" "$LAB_T:pt"; do
		ns=${c%%:*} port=${c##*:}
		ip link add eth0 netns "$ns" type veth peer name "$port" netns "$LAB_G"
		ip -n "$LAB_G" link set "$port" master lan0
		ip -n "$LAB_G" link set "$port" up
		ip -n "$ns" link set eth0 up
		mkdir -p "/etc/netns/$ns"
		echo "nameserver 10.10.0.53" >"/etc/netns/$ns/resolv.conf"
	done
	ip link add wan0 netns "$LAB_G" type veth peer name eth0 netns "$LAB_S"
	ip -n "$LAB_G" addr add 10.10.0.1/16 dev lan0
	ip -n "$LAB_G" addr add 10.10.0.53/16 dev lan0
	ip -n "$LAB_G" addr add fd10::1/64 dev lan0 nodad
	ip -n "$LAB_G" link set lan0 up
	ip -n "$LAB_G" addr add 203.0.113.1/24 dev wan0
	ip -n "$LAB_G" addr add 2001:db8:ffff::1/64 dev wan0 nodad
	ip -n "$LAB_G" link set wan0 up
	ip -n "$LAB_G" route add 198.51.100.0/24 via 203.0.113.2
	ip -n "$LAB_G" route add 192.0.2.0/24 via 203.0.113.2
	ip -n "$LAB_G" route add 100.64.0.0/16 via 203.0.113.2
	ip -n "$LAB_G" -6 route add 2001:db8:100::/64 via 2001:db8:ffff::2
	lab_in gw sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1

	ip -n "$LAB_J" addr add 10.10.0.23/16 dev eth0
	ip -n "$LAB_J" addr add fd10::23/64 dev eth0 nodad
	ip -n "$LAB_P" addr add 10.10.32.5/16 dev eth0
	ip -n "$LAB_T" addr add 10.10.0.31/16 dev eth0
	for n in "$LAB_J" "$LAB_P" "$LAB_T"; do
		ip -n "$n" route add default via 10.10.0.1
	done
	ip -n "$LAB_J" -6 route add default via fd10::1
	# The pupil's forged packets to jsmith and staff2 go through the
	# gateway (where the daemon sees them), not straight across the
	# bridge: a pupil's machine routes as its owner likes.
	ip -n "$LAB_P" route add 10.10.0.23/32 via 10.10.0.1
	ip -n "$LAB_P" route add 10.10.0.31/32 via 10.10.0.1

	ip -n "$LAB_S" addr add 203.0.113.2/24 dev eth0
	ip -n "$LAB_S" addr add 2001:db8:ffff::2/64 dev eth0 nodad
	ip -n "$LAB_S" link set eth0 up
	ip -n "$LAB_S" route add default via 203.0.113.1
	ip -n "$LAB_S" -6 route add default via 2001:db8:ffff::1
	ip -n "$LAB_S" route add local 198.51.100.0/24 dev lo
	ip -n "$LAB_S" route add local 192.0.2.0/24 dev lo
	ip -n "$LAB_S" route add local 100.64.0.0/16 dev lo
	ip -n "$LAB_S" -6 route add local 2001:db8:100::/64 dev lo

	# Servers
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
	    -nodes -days 2 -subj /CN=lab -keyout "$LAB_W/key.pem" \
	    -out "$LAB_W/cert.pem" >"$LAB_W/openssl.log" 2>&1 ||
	    { echo "openssl req failed"; return 1; }
	# Fresh names under a blocked platform (the storm), one address each:
	# s0..s249 in 192.0.2.0/24, s250..s999 in 100.64.0.0/16.
	for i in $(seq 0 999); do
		if [ "$i" -lt 250 ]; then
			echo "192.0.2.$((i + 1)) s$i.cdninstagram.com"
		else
			echo "100.64.$(((i - 250) / 250)).$(((i - 250) % 250 + 1))" \
			    "s$i.cdninstagram.com"
		fi
	done >"$LAB_W/storm.hosts"
	# setsid: they outlive a scripts/lab that started them, and a ^C
	# at its terminal.
	setsid ip netns exec "$LAB_G" dnsmasq --keep-in-foreground \
	    --conf-file="$LAB_ZONE" --addn-hosts="$LAB_W/storm.hosts" \
	    --no-resolv --no-hosts --no-poll --user=root --pid-file= \
	    --bind-interfaces --listen-address=10.10.0.53 \
	    --dns-forward-max=1000 --log-facility="$LAB_W/dnsmasq.log" \
	    </dev/null >/dev/null 2>"$LAB_W/dnsmasq.err" &
	LAB_PIDS="$LAB_PIDS $!"
	setsid ip netns exec "$LAB_S" python3 "$LAB_LT" server "$LAB_W/cert.pem" \
	    "$LAB_W/key.pem" 192.0.2.0/24,100.64.0.0/16,198.51.100.41/32 \
	    </dev/null >"$LAB_W/server.log" 2>&1 &
	LAB_PIDS="$LAB_PIDS $!"
	lab_save
	lab_wait_listen gw u 53 && lab_wait_listen server t 443 &&
	    lab_wait_listen server t 80
}

# lab_wait_listen ROLE u|t PORT: until something listens there (5 s)
lab_wait_listen() {
	local i
	for i in $(seq 100); do
		lab_in "$1" ss -Hln"$2" "sport = :$3" | grep -q . && return 0
		sleep 0.05
	done
	echo "nothing listens on $2/$3 in $1"
	cat "$LAB_W"/*.err "$LAB_W/server.log" 2>/dev/null
	return 1
}

# lab_spawn ROLE OUTFILE CMD...: a helper in the background, killed by
# lab_down; its pid is in LAB_LAST
lab_spawn() {
	local ns out
	ns=$(lab_ns "$1") out=$2
	shift 2
	ip netns exec "$ns" "$@" >"$out" 2>&1 &
	LAB_LAST=$!
	LAB_PIDS="$LAB_PIDS $LAB_LAST"
}

# lab_down [keep]: stop the daemon and every process in the lab's
# namespaces, delete the namespaces and /etc/netns/NS, and the work
# directory unless "keep".  Safe to call twice, or on a half-built lab.
lab_down() {
	local keep=${1:-} p ns i left
	if [ -n "$LAB_DPID" ] && kill -0 "$LAB_DPID" 2>/dev/null; then
		kill -TERM "$LAB_DPID" 2>/dev/null
		for i in $(seq 50); do
			kill -0 "$LAB_DPID" 2>/dev/null || break
			sleep 0.05
		done
	fi
	for p in $LAB_PIDS $LAB_DPID; do kill "$p" 2>/dev/null; done
	for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
		left=""
		for ns in $(lab_namespaces); do
			ip netns list 2>/dev/null | grep -q "^$ns\( \|\$\)" || continue
			for p in $(ip netns pids "$ns" 2>/dev/null); do
				# TERM first, KILL after a second.
				if [ "$i" -gt 10 ]; then kill -KILL "$p"; else kill "$p"; fi 2>/dev/null
				left="$left $p"
			done
		done
		[ -z "$left" ] && break
		sleep 0.1
	done
	[ -n "$LAB_DJOB" ] && wait "$LAB_DJOB" 2>/dev/null
	for ns in $(lab_namespaces); do
		ip netns del "$ns" 2>/dev/null
		[ -n "$ns" ] && rm -rf "/etc/netns/$ns"
	done
	LAB_PIDS="" LAB_DPID="" LAB_DJOB=""
	if [ -n "$LAB_STATE" ]; then rm -f "$LAB_STATE" "$LAB_STATE.tmp"; fi
	if [ "$keep" != keep ] && [ -n "$LAB_W" ]; then rm -rf "$LAB_W"; fi
	return 0
}

# The daemon -------------------------------------------------------------
# lab_conf FILE [key=value ...]: the lab's configuration.  Keys (and
# defaults): on_exit (keep), state_dir ($LAB_W/state), overrides_dir
# ($LAB_W/overrides.d), daily_quota (30m), active_bytes (16k), tick (10s),
# breaks (10:30-10:45), blockpage (none; http: the block page on
# 10.10.0.1:8080 and [fd10::1]:8080; https: and on port 8443 with a
# school CA made by scripts/mkca in $LAB_W/ca).  The control socket and
# log_dir are in $LAB_W.
lab_conf() {
	local f=$1 kv on_exit=keep state_dir=$LAB_W/state
	local overrides_dir=$LAB_W/overrides.d daily_quota=30m
	local active_bytes=16k tick=10s breaks=10:30-10:45 blockpage=none
	local bp=""
	shift
	for kv in "$@"; do
		case ${kv%%=*} in
		on_exit|state_dir|overrides_dir|daily_quota|active_bytes|tick|breaks|blockpage)
			local "$kv" ;;
		*) echo "lab_conf: unknown key ${kv%%=*}" >&2; return 2 ;;
		esac
	done
	mkdir -p "$state_dir" "$overrides_dir" "$LAB_W/log"
	case $blockpage in
	none) ;;
	http|https)
		bp="
[blockpage]
listen = 10.10.0.1:8080, [fd10::1]:8080
school = Oak Tree Primary School
contact = Mrs Patel, online safety lead, room 12"
		if [ "$blockpage" = https ]; then
			[ -e "$LAB_W/ca/ca.pem" ] ||
				"$LAB_TOP/scripts/mkca" "$LAB_W/ca" "Oak Tree" >/dev/null ||
				return 1
			bp="$bp
ca_cert = $LAB_W/ca/ca.pem
ca_key = $LAB_W/ca/ca.key"
		fi ;;
	*) echo "lab_conf: blockpage is none, http or https" >&2; return 2 ;;
	esac
	# The control socket and the audit log in the lab's directory: labs
	# run side by side, and beside a real installation.
	cat >"$f" <<EOF
# The schoolgate lab (tests/lab/lab.sh).
[gateway]
interface = lan0
lan = 10.10.0.0/16, fd10::/48
timezone = $LAB_TZ
state_dir = $state_dir
platforms_dir = $LAB_TOP/conf/platforms.d
overrides_dir = $overrides_dir
control_socket = $LAB_W/control.sock
log_dir = $LAB_W/log
never_block = 10.10.0.1, 10.10.0.53, fd10::1
on_exit = $on_exit
tick = $tick

[schedule]
lessons = 08:45-16:00
breaks = $breaks

[group staff]
members = 10.10.0.0/20
outside = quota
daily_quota = $daily_quota
active_bytes = $active_bytes

[group pupils]
members = 10.10.32.0/19
outside = block
platforms = social, circumvention

[person jsmith]
group = staff
devices = 10.10.0.23, fd10::23
$bp
EOF
}

# lab_stamp RAW: copy standard input to RAW, and to RAW.t with each line
# prefixed by the real time it arrived (epoch ms)
lab_stamp() {
	local l t
	exec 3>>"$1" 4>>"$1.t"
	while IFS= read -r l; do
		t=${EPOCHREALTIME/./}
		printf '%s\n' "$l" >&3
		printf '%s %s\n' "${t:0:-3}" "$l" >&4
	done
}

# lab_daemon_start CONF [CLOCK [LOG]]: check CONF (schoolgated -n), run
# schoolgated -d -v -f CONF [--clock CLOCK] in the gateway and wait for
# "started:" (4 s).  Sets LAB_DPID and LAB_DLOG (default
# $LAB_W/daemon-NAME.log, NAME from CONF, .2, .3 ... for later runs),
# LAB_CLOCK0, LAB_RATE and LAB_CLOCK_MS.  Returns 1 when it does not
# start, with its log on standard output.
lab_daemon_start() {
	local conf=$1 clock=${2:-} log=${3:-} name i
	name=$(basename "$conf" .conf)
	if [ -z "$log" ]; then
		log=$LAB_W/daemon-$name.log
		i=2
		while [ -e "$log" ]; do log=$LAB_W/daemon-$name.$i.log; i=$((i + 1)); done
	fi
	LAB_DLOG=$log
	: >"$log"
	: >"$log.t"
	if ! "$LAB_SGD" -n -f "$conf" >"$log.check" 2>&1; then
		cat "$log.check"
		return 1
	fi
	rm -f "$log.pid" "$log.rc"
	(
		if [ -n "$clock" ]; then
			ip netns exec "$LAB_G" "$LAB_SGD" -d -v -f "$conf" --clock "$clock" </dev/null &
		else
			ip netns exec "$LAB_G" "$LAB_SGD" -d -v -f "$conf" </dev/null &
		fi
		echo $! >"$log.pid"
		wait $!
		echo $? >"$log.rc"
	) 2>&1 | lab_stamp "$log" &
	LAB_DJOB=$!
	for i in $(seq 200); do
		[ -s "$log.pid" ] && break
		sleep 0.01
	done
	LAB_DPID=$(cat "$log.pid" 2>/dev/null)
	for i in $(seq 200); do
		grep -q 'started:' "$log" && break
		[ -e "$log.rc" ] && break
		sleep 0.02
	done
	if ! grep -q 'started:' "$log"; then
		cat "$log"
		return 1
	fi
	if [ -n "$clock" ]; then
		LAB_CLOCK0=$(lab_epoch "${clock%%,*}")
		LAB_RATE=1
		case $clock in *,*x) LAB_RATE=${clock##*,}; LAB_RATE=${LAB_RATE%x} ;; esac
		# The daemon starts its clock just before it says so.
		LAB_CLOCK_MS=$(lab_log_ms 'TEST CLOCK:')
	else
		LAB_CLOCK0="" LAB_RATE=1 LAB_CLOCK_MS=""
	fi
	lab_save
	return 0
}

# lab_daemon_stop [SIGNAL]: send SIGNAL (TERM), wait for the daemon to
# end (10 s, then KILL) and return its exit status (128 + n on a signal)
lab_daemon_stop() {
	local sig=${1:-TERM} i rc log=$LAB_DLOG
	[ -n "$LAB_DPID" ] || return 0
	kill -"$sig" "$LAB_DPID" 2>/dev/null
	for i in $(seq 200); do
		[ -e "$log.rc" ] && break
		sleep 0.05
	done
	[ -e "$log.rc" ] || kill -KILL "$LAB_DPID" 2>/dev/null
	[ -n "$LAB_DJOB" ] && wait "$LAB_DJOB" 2>/dev/null
	rc=$(cat "$log.rc" 2>/dev/null || echo 255)
	LAB_DPID="" LAB_DJOB=""
	lab_save
	return "$rc"
}
lab_daemon_running() { [ -n "$LAB_DPID" ] && kill -0 "$LAB_DPID" 2>/dev/null; }
# lab_gw_daemons: the pids of every schoolgated in the lab's gateway
# (started by lab_daemon_start or by hand)
lab_gw_daemons() {
	local p
	for p in $(ip netns pids "$LAB_G" 2>/dev/null); do
		[ "$(cat "/proc/$p/comm" 2>/dev/null)" = schoolgated ] && echo "$p"
	done
	return 0
}

# lab_logged PATTERN: the daemon's log has a line matching PATTERN (grep)
lab_logged() { grep -q -- "$1" "$LAB_DLOG"; }
# lab_log_ms PATTERN: when the first line matching PATTERN came (epoch ms)
lab_log_ms() { grep -m1 -- "$1" "$LAB_DLOG.t" | cut -d' ' -f1; }
# lab_wait_log PATTERN [MS]: until the log has it (default 2000 ms)
lab_wait_log() {
	local end=$(( $(lab_now_ms) + ${2:-2000} ))
	while ! lab_logged "$1"; do
		[ "$(lab_now_ms)" -lt "$end" ] || return 1
		sleep 0.02
	done
}
lab_show_log() { sed 's/^/     | /' "$LAB_DLOG"; }

# lab_epoch "YYYY-MM-DDTHH:MM[:SS]": epoch seconds, local time of the lab
lab_epoch() { TZ=$LAB_TZ date -d "${1/T/ }" +%s; }
# lab_sim_ms [REAL_MS]: the daemon's test clock at that real time (now),
# epoch ms
lab_sim_ms() {
	local r=${1:-$(lab_now_ms)}
	awk -v c0="$LAB_CLOCK0" -v r0="$LAB_CLOCK_MS" -v r="$r" -v k="$LAB_RATE" \
	    'BEGIN { printf "%.0f\n", c0 * 1000 + (r - r0) * k }'
}
# lab_fmt SIM_MS: as YYYY-MM-DDTHH:MM:SS, local time of the lab
lab_fmt() { TZ=$LAB_TZ date -d "@$(( $1 / 1000 ))" +%Y-%m-%dT%H:%M:%S; }
# lab_sim_now: the test clock now, for the next daemon's --clock
lab_sim_now() { lab_fmt "$(lab_sim_ms)"; }
# lab_real_ms SIM: the real time (epoch ms) the test clock shows SIM
# ("YYYY-MM-DDTHH:MM[:SS]")
lab_real_ms() {
	awk -v c0="$LAB_CLOCK0" -v r0="$LAB_CLOCK_MS" -v s="$(lab_epoch "$1")" \
	    -v k="$LAB_RATE" 'BEGIN { printf "%.0f\n", r0 + (s - c0) * 1000 / k }'
}

# Checks -------------------------------------------------------------------
lab_ok()  { LAB_PASS=$((LAB_PASS + 1)); echo "ok   $*"; }
lab_bad() { LAB_FAIL=$((LAB_FAIL + 1)); echo "FAIL $*"; }
lab_note() { echo "     $*"; }
# lab_check DESC CMD...: ok when CMD succeeds
lab_check() {
	local d=$1; shift
	if "$@"; then lab_ok "$d"; else lab_bad "$d"; fi
}

# Clients ------------------------------------------------------------------
# lab_get ROLE URL [curl args]: prints "rc ms body" (body: 30 bytes,
# blanks removed, "-" when empty)
lab_get() {
	local ns t0 t1 body rc url=$2
	ns=$(lab_ns "$1")
	shift 2
	t0=$(lab_now_ms)
	body=$(ip netns exec "$ns" curl -sk --connect-timeout 3 --max-time 5 "$@" "$url" 2>/dev/null)
	rc=$?
	t1=$(lab_now_ms)
	body=$(printf '%s' "$body" | head -c 30 | tr -d ' \n')
	echo "$rc $((t1 - t0)) ${body:--}"
}
# lab_works ROLE URL [args]: the server's page comes back
lab_works() {
	local r
	r=$(lab_get "$@")
	set -- $r
	[ "$1" = 0 ] && case $3 in server*) true ;; *) false ;; esac && return 0
	lab_note "(curl rc $1, $2 ms, '$3')"
	return 1
}
# lab_reset ROLE URL [args]: fails fast (< 2 s) with a reset: connection
# refused (7), a reset during TLS (35), or during the transfer, seen
# while receiving (56) or sending (55: the server's data turned into a
# reset can arrive while curl still sends); not a timeout
#
# A first connection can leave right after its lookup and race the
# denial the lookup caused into the kernel; on such a timeout (28) the
# check says so and tries once more: a denial that never arrives still
# fails.  The races are counted (LAB_RACES) and shown in the summary.
LAB_RACES=${LAB_RACES:-0}
lab_reset() {
	local r try
	for try in 1 2; do
		r=$(lab_get "$@")
		set -- $r "$@"
		case $1 in
		7|35|55|56) [ "$2" -lt 2000 ] && return 0 ;;
		28)	if [ "$try" = 1 ]; then
				LAB_RACES=$((LAB_RACES + 1))
				lab_note "(curl rc 28 at first: a race with the" \
				    "denial? once more)"
				shift 3
				continue
			fi ;;
		esac
		lab_note "(curl rc $1, $2 ms, '$3')"
		return 1
	done
	return 1
}
# lab_fails ROLE URL [args]: the transfer does not complete
lab_fails() {
	local r
	r=$(lab_get "$@")
	set -- $r
	lab_note "(curl rc $1, $2 ms)"
	[ "$1" != 0 ]
}
# lab_poll_until MS FN ROLE URL [args]: until FN (lab_works, lab_reset)
# succeeds, at most MS; prints the ms it took, or "never"
lab_poll_until() {
	local max=$1 fn=$2 ns=$3 t0 now
	shift 3
	t0=$(lab_now_ms)
	while :; do
		if "$fn" "$ns" "$@" >/dev/null 2>&1; then
			echo $(( $(lab_now_ms) - t0 ))
			return 0
		fi
		now=$(lab_now_ms)
		[ $((now - t0)) -lt "$max" ] || break
		sleep 0.05
	done
	echo never
	return 1
}

# nftables -----------------------------------------------------------------
# lab_setlist SET: a set or map of table inet schoolgate, as nft lists it
lab_setlist() {
	lab_in gw nft list set inet schoolgate "$1" 2>/dev/null ||
	    lab_in gw nft list map inet schoolgate "$1" 2>/dev/null
}
# lab_elements SET: one element per line, as nft lists them
lab_elements() {
	lab_setlist "$1" | tr -d '\n\t' |
	    sed -n 's/.*elements = {\([^}]*\)}.*/\1/p' | tr ',' '\n' |
	    sed -e 's/^ *//' -e '/^$/d'
}
# lab_has_elem SET REGEX: an element starts with REGEX (then a blank)
lab_has_elem() { lab_elements "$1" | grep -q "^$2\( \|\$\)"; }
lab_no_elem() { ! lab_has_elem "$@"; }
lab_table_exists() { lab_in gw nft list table inet schoolgate >/dev/null 2>&1; }
