#!/bin/sh
# make install into a DESTDIR produces the FHS tree of DESIGN.md, honours
# PREFIX, and never overwrites an existing schoolgate.conf.
set -u
B=${B:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
make -s B="$B" install DESTDIR="$d" >"$d.log" 2>&1 || { cat "$d.log"; rm -f "$d.log"; exit 1; }
rm -f "$d.log"
bad=0
for f in usr/sbin/schoolgated usr/sbin/schoolgatectl etc/schoolgate/schoolgate.conf \
    etc/schoolgate/platforms.d/10-social.conf etc/schoolgate/overrides.d \
    etc/schoolgate/overrides.d/README \
    var/lib/schoolgate/requests var/log/schoolgate \
    usr/share/man/man8/schoolgated.8 usr/share/man/man8/schoolgatectl.8 \
    usr/share/man/man5/schoolgate.conf.5 \
    usr/share/man/man5/schoolgate-platforms.5 \
    usr/share/man/man5/schoolgate-overrides.5 \
    lib/systemd/system/schoolgated.service usr/lib/sysusers.d/schoolgate.conf; do
	[ -e "$d/$f" ] || { echo "missing: /$f"; bad=1; }
done
[ -x "$d/usr/sbin/schoolgated" ] || { echo "schoolgated not executable"; bad=1; }
# An existing config is kept.
echo "# the school's own" >"$d/etc/schoolgate/schoolgate.conf"
make -s B="$B" install DESTDIR="$d" >/dev/null 2>&1
grep -q "school's own" "$d/etc/schoolgate/schoolgate.conf" ||
	{ echo "install overwrote an existing schoolgate.conf"; bad=1; }
# PREFIX moves the binaries and manuals, not /etc.
make -s B="$B" install DESTDIR="$d/p" PREFIX=/usr/local >/dev/null 2>&1
[ -x "$d/p/usr/local/sbin/schoolgated" ] || { echo "PREFIX ignored"; bad=1; }
[ -e "$d/p/etc/schoolgate/schoolgate.conf" ] || { echo "PREFIX moved /etc"; bad=1; }
echo "installed tree:"
(cd "$d" && find . -path ./p -prune -o -print | sort | sed 's/^\./  /')
[ "$bad" -eq 0 ] && echo "summary: install tree as expected"
exit "$bad"
