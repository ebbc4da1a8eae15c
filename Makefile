# schoolgate — one hand-written GNU Makefile.
#
#   make deps      install every Debian package the build, tests, benchmarks
#                  and demo use (needs root; idempotent)
#   make           build build/schoolgated and build/schoolgatectl
#   make check     unit tests, golden config tests, replay and corpus tests
#   make bench     throughput and catalogue benchmarks (ratios, not tests)
#   make install   FHS install; honours DESTDIR and PREFIX
#   make clean

PREFIX     ?= /usr
SBINDIR    ?= $(PREFIX)/sbin
MANDIR     ?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc
UNITDIR    ?= /lib/systemd/system
SYSUSERSDIR ?= /usr/lib/sysusers.d
DESTDIR    ?=

CC      ?= cc
PKG_CONFIG ?= pkg-config
B       := build
PKGS    := libpcap libnftnl libmnl inih gnutls nettle libsystemd libmicrohttpd

WARN := -Wall -Wextra -Werror -Wshadow -Wpointer-arith -Wcast-qual \
	-Wstrict-prototypes -Wmissing-prototypes -Wmissing-declarations \
	-Wformat=2 -Wformat-security -Wvla -Wwrite-strings -Wundef \
	-Wnull-dereference -Wimplicit-fallthrough -Wold-style-definition \
	-Wredundant-decls -Wnested-externs
ifeq ($(WERROR),0)
WARN := $(filter-out -Werror,$(WARN))
endif

OPT      ?= -O2 -g
CPPFLAGS += -Iinclude -D_GNU_SOURCE
CFLAGS   += -std=c11 $(OPT) $(WARN) -fno-strict-aliasing -MMD -MP \
	$(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
LDLIBS   += $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)
CHECK_CFLAGS := $(shell $(PKG_CONFIG) --cflags check 2>/dev/null)
CHECK_LIBS   := $(shell $(PKG_CONFIG) --libs check 2>/dev/null)

# Every src/*.c except the two mains is a module of the core library.
MAINS    := schoolgated schoolgatectl
LIB_SRC  := $(filter-out $(MAINS:%=src/%.c),$(wildcard src/*.c))
LIB_OBJ  := $(LIB_SRC:src/%.c=$(B)/obj/%.o)
BINS     := $(MAINS:%=$(B)/%)

# Unit tests: tests/unit/check_<name>.c, one Check binary each.  A test
# links only the modules it names in check_<name>_MODS, so a module under
# construction elsewhere never breaks another module's tests.
UNIT_SRC := $(wildcard tests/unit/check_*.c)
UNITS    := $(UNIT_SRC:tests/unit/%.c=$(B)/%)
check_addr_MODS     := addr
check_dns_MODS      := dns
check_tls_MODS      := tls
check_http_MODS     := http
check_quic_MODS     := quic tls tests/quic_build
check_classify_MODS := classify inifile addr log
check_config_MODS   := config inifile addr log
check_flow_MODS     := flow addr
check_decode_MODS   := decode
check_observe_MODS  := observe decode flow dns tls http quic classify inifile addr log
check_tz_MODS       := tz
check_schedule_MODS := schedule tz config inifile addr log
check_overrides_MODS := overrides config classify inifile addr log
check_state_MODS    := state afile addr
check_identity_MODS := identity config inifile addr log
check_quota_MODS    := quota
check_meter_MODS    := meter addr
check_control_MODS  := control log
check_events_MODS   := events report log addr
check_policy_MODS   := policy schedule tz overrides quota identity config classify inifile addr log
check_engine_MODS   := engine policy schedule tz overrides quota identity config classify inifile addr log state afile
check_nft_MODS      := nft addr
check_mint_MODS     := mint
check_requests_MODS := requests afile tz addr
check_approve_MODS  := approve requests afile control overrides config classify inifile tz addr log
check_blockpage_MODS := blockpage mint requests afile classify config inifile tz addr log

.PHONY: all deps check unit bench install uninstall clean sanitize demo fuzz soak
all: $(BINS)

$(B)/obj/%.o: src/%.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(B)/obj/tests/%.o: tests/unit/%.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(CHECK_CFLAGS) -c -o $@ $<

$(B)/libschoolgate.a: $(LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(B)/%: $(B)/obj/%.o $(B)/libschoolgate.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

.SECONDEXPANSION:
$(B)/check_%: $(B)/obj/tests/check_%.o $$(addprefix $(B)/obj/,$$(addsuffix .o,$$(check_$$*_MODS)))
	$(CC) $(LDFLAGS) -o $@ $^ $(CHECK_LIBS) $(LDLIBS)

deps:
	scripts/deps

unit: $(UNITS)

check: all $(UNITS) $$(CHECK_TOOLS)
	tests/run

bench: all $$(BENCH_TOOLS)
	B=$(B) scripts/bench

sanitize:
	$(MAKE) B=build-san OPT="-O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" \
		LDFLAGS="-fsanitize=address,undefined" all unit

install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8 \
		$(DESTDIR)$(SYSCONFDIR)/schoolgate/platforms.d $(DESTDIR)$(SYSCONFDIR)/schoolgate/overrides.d \
		$(DESTDIR)$(UNITDIR) $(DESTDIR)/var/lib/schoolgate/requests $(DESTDIR)/var/log/schoolgate
	install -m 0755 $(BINS) $(DESTDIR)$(SBINDIR)/
	install -m 0644 conf/platforms.d/*.conf $(DESTDIR)$(SYSCONFDIR)/schoolgate/platforms.d/
	install -m 0644 conf/overrides.d/README $(DESTDIR)$(SYSCONFDIR)/schoolgate/overrides.d/README
	for f in schoolgate.conf staff.devices; do \
		test -e $(DESTDIR)$(SYSCONFDIR)/schoolgate/$$f || \
		install -m 0644 conf/$$f $(DESTDIR)$(SYSCONFDIR)/schoolgate/$$f; \
	done
	for m in man/*.5; do [ -e "$$m" ] && install -m 0644 $$m $(DESTDIR)$(MANDIR)/man5/; done; true
	for m in man/*.8; do [ -e "$$m" ] && install -m 0644 $$m $(DESTDIR)$(MANDIR)/man8/; done; true
	for u in systemd/*.service; do [ -e "$$u" ] && install -m 0644 $$u $(DESTDIR)$(UNITDIR)/; done; true
	install -d $(DESTDIR)$(SYSUSERSDIR)
	install -m 0644 systemd/schoolgate.sysusers $(DESTDIR)$(SYSUSERSDIR)/schoolgate.conf
	# On the real system (no DESTDIR, as root): the user and the owners
	# of the daemon's directories.  A package does this in its scripts.
	if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ] && command -v systemd-sysusers >/dev/null; then \
		systemd-sysusers $(SYSUSERSDIR)/schoolgate.conf && \
		chown -R schoolgate:schoolgate /var/lib/schoolgate /var/log/schoolgate && \
		chmod 0750 /var/lib/schoolgate /var/log/schoolgate && \
		chown schoolgate:schoolgate $(SYSCONFDIR)/schoolgate/overrides.d && \
		chmod 0755 $(SYSCONFDIR)/schoolgate/overrides.d; \
	fi

uninstall:
	rm -f $(MAINS:%=$(DESTDIR)$(SBINDIR)/%)
	rm -f $(patsubst man/%,$(DESTDIR)$(MANDIR)/man5/%,$(wildcard man/*.5))
	rm -f $(patsubst man/%,$(DESTDIR)$(MANDIR)/man8/%,$(wildcard man/*.8))
	rm -f $(patsubst systemd/%,$(DESTDIR)$(UNITDIR)/%,$(wildcard systemd/*.service))
	rm -f $(DESTDIR)$(SYSUSERSDIR)/schoolgate.conf

clean:
	rm -rf build build-san tests/out

# Benchmark tools (tests/bench/): the raw libpcap read loop, the
# capture builder.
$(B)/obj/bench/%.o: tests/bench/%.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(B)/pcapread: $(B)/obj/bench/pcapread.o
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(B)/mkbench: $(B)/obj/bench/mkbench.o
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

BENCH_TOOLS := $(B)/pcapread $(B)/mkbench

# The catalogue lookup benchmark: a million synthetic domains.
$(B)/bench_classify: $(B)/obj/bench/bench_classify.o $(B)/obj/classify.o $(B)/obj/inifile.o $(B)/obj/addr.o $(B)/obj/log.o
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

BENCH_TOOLS += $(B)/bench_classify

# The engine's memory with 5 000 devices and 100 000 learned addresses.
$(B)/bench_engine: $(B)/obj/bench/bench_engine.o $(B)/libschoolgate.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

BENCH_TOOLS += $(B)/bench_engine

# Batched nft element updates against the kernel (root, own netns).
$(B)/bench_nft: $(B)/obj/bench/bench_nft.o $(B)/obj/nft.o $(B)/obj/addr.o
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

BENCH_TOOLS += $(B)/bench_nft

-include $(wildcard $(B)/obj/*.d $(B)/obj/tests/*.d $(B)/obj/bench/*.d)

demo: all
	scripts/demo

# QUIC test-capture generator (tests/tools/mkquic.c): `make build/mkquic`,
# then `build/mkquic write tests/data/quic` rewrites the QUIC captures and
# `build/mkquic read FILE...` prints the name quic.c finds per UDP flow.
MKQUIC_LIBS := $(shell $(PKG_CONFIG) --libs libpcap nettle 2>/dev/null)

$(B)/obj/tools/%.o: tests/tools/%.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) -Itests/unit $(CFLAGS) -c -o $@ $<

$(B)/mkquic: $(B)/obj/tools/mkquic.o $(B)/obj/tests/quic_build.o \
    $(B)/obj/quic.o $(B)/obj/tls.o
	$(CC) $(LDFLAGS) -o $@ $^ $(MKQUIC_LIBS) $(LDLIBS)

-include $(wildcard $(B)/obj/tools/*.d)

# Fuzzing (tests/fuzz/) -------------------------------------------------
# libFuzzer targets, built with clang, ASan and UBSan into build-fuzz/ by
# scripts/fuzz, which then runs each in turn; the corpus in
# build-fuzz/corpus/ grows from run to run.  tests/fuzz/README.md says
# more.  `make check` runs every target for 20 s (tests/t-fuzz-smoke.sh).
#
#   make fuzz                                   each target for an hour
#   make fuzz FUZZ_SECONDS=600 FUZZ_TARGETS="dns observe"
FUZZ_SECONDS ?= 3600
FUZZ_TARGETS ?=

fuzz:
	FUZZ_SECONDS='$(FUZZ_SECONDS)' FUZZ_TARGETS='$(FUZZ_TARGETS)' scripts/fuzz
# End of fuzzing -------------------------------------------------------

# The crash soak (scripts/soak, root): the daemon on a test clock killed
# with SIGKILL SOAK_KILLS times and restarted, state saves failing under
# faultfs.so now and then.  `make check` runs 20 kills (tests/t-soak.sh).
SOAK_KILLS ?= 200

soak: all $(B)/faultfs.so
	B=$(B) scripts/soak $(SOAK_KILLS)

# State tools (tests/tools/statekill.c, faultfs.c) ----------------------
# statekill drives state.c to be killed (tests/t-state-kill.sh) and saves
# once under injected faults (tests/t-state-faults.sh); faultfs.so is the
# LD_PRELOAD shim that injects them.  The shim is built without
# sanitizers even in build-san: it only forwards to libc.
$(B)/statekill: $(B)/obj/tools/statekill.o $(B)/obj/state.o $(B)/obj/afile.o $(B)/obj/addr.o
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(B)/obj/tools/faultfs.pic.o: tests/tools/faultfs.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(filter-out -fsanitize=%,$(CFLAGS)) -fPIC -c -o $@ $<

$(B)/faultfs.so: $(B)/obj/tools/faultfs.pic.o
	$(CC) $(filter-out -fsanitize=%,$(LDFLAGS)) -shared -o $@ $^ -ldl

CHECK_TOOLS += $(B)/statekill $(B)/faultfs.so

# nft test driver (tests/tools/nftctl.c) for tests/t-nft-netns.sh.
$(B)/nftctl: $(B)/obj/tools/nftctl.o $(B)/obj/nft.o $(B)/obj/addr.o
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

CHECK_TOOLS += $(B)/nftctl
