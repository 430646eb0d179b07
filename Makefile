# kite - build, test, fuzz, bench, install.  `make help` lists the targets.

CC       ?= cc
CLANG    ?= clang
PREFIX   ?= /usr/local
O        ?= build
BIN      ?= bin
SAN      ?=
WERROR   ?= -Werror

VERSION  := 0.1.0
# sanitizer builds live apart from the normal ones
ifeq ($(SAN),1)
  O   := build/san
  BIN := build/san/bin
endif

CFLAGS   ?= -O2 -g
CPPFLAGS += -D_GNU_SOURCE -DKITE_VERSION='"$(VERSION)"' -Iformat
WFLAGS   := -std=c11 -Wall -Wextra $(WERROR) -Wshadow -Wstrict-prototypes -Wno-missing-field-initializers
# CFLAGS and LDFLAGS stay the caller's (a sub-make gets them as given); the build adds its own to them
KCFLAGS  := $(CFLAGS)
KLDFLAGS := $(LDFLAGS)
ifeq ($(SAN),1)
  KCFLAGS  += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
  KLDFLAGS += -fsanitize=address,undefined
endif
# Link-time optimisation of kite and kite-record (about 20% less CPU reading a capture), with gcc and
# not under sanitizers.  Objects are "fat" (ordinary code as well as gcc's IR), so tests, benchmarks
# and the sqlite3 extension link them as usual; LTO=  turns it off.
ifeq ($(SAN),)
  ifneq ($(findstring Free Software Foundation,$(shell $(CC) --version 2>/dev/null)),)
    LTO ?= -flto=auto -ffat-lto-objects
  endif
endif
# The flags objects are built with, kept in $(O): when they change (CFLAGS=..., LTO=, another
# compiler), every object is rebuilt, rather than linked with objects built the other way.
BUILD_FLAGS := $(CC) $(CPPFLAGS) $(WFLAGS) $(KCFLAGS) $(LTO) $(KLDFLAGS)
FLAGS_FILE  := $(O)/.build-flags
ifneq ($(BUILD_FLAGS),$(file <$(FLAGS_FILE)))
  $(shell mkdir -p $(O))
  $(file >$(FLAGS_FILE),$(BUILD_FLAGS))
endif
# and made again when it is gone (make clean all)
$(FLAGS_FILE):
	$(shell mkdir -p $(@D))$(file >$@,$(BUILD_FLAGS))
LIBS     := -lzstd -lz -lisal
BPF_LIBS := -lbpf -lelf -lz
# kite (not kite-record) reads rules files
KITE_LIBS := -lyaml -ljansson
# kite (not kite-record) runs SQL with the system's sqlite3
SQL_LIBS  := -lsqlite3
BPFTOOL  ?= bpftool
BPF_ARCH := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')

FORMAT_SRC := $(wildcard format/*.c)
KITE_SRC   := $(wildcard replay/*.c)
RECORD_SRC := $(wildcard record/*.c)
DRIVER_SRC := $(wildcard drivers/*.c drivers/ptrace/*.c) $(filter-out %.bpf.c,$(wildcard drivers/ebpf/*.c))
DRIVER_OBJ := $(DRIVER_SRC:%.c=$(O)/%.o)
TEST_SRC   := $(wildcard tests/unit/test_*.c) tests/unit/kt-synth.c
QUERY_SRC  := $(filter-out query/ext.c,$(wildcard query/*.c))

FORMAT_OBJ := $(FORMAT_SRC:%.c=$(O)/%.o)
KITE_OBJ   := $(KITE_SRC:%.c=$(O)/%.o)
RECORD_OBJ := $(RECORD_SRC:%.c=$(O)/%.o)
TEST_BIN   := $(TEST_SRC:tests/unit/%.c=$(O)/tests/%)
LIBFORMAT  := $(O)/libkiteformat.a
LIBREPLAY  := $(O)/libkitereplay.a
REPLAY_OBJ := $(filter-out $(O)/replay/main.o,$(KITE_OBJ))
QUERY_OBJ  := $(QUERY_SRC:%.c=$(O)/%.o)
LIBQUERY   := $(O)/libkitequery.a
# The loadable sqlite3 extension: position-independent objects of format/, replay/ and the vtab part of
# query/, apart from the others, and without sanitizers (the sqlite3 shell that loads it has no ASan runtime)
EXT_SRC    := $(FORMAT_SRC) $(filter-out replay/main.c,$(KITE_SRC)) query/ext.c query/vtab.c query/collect.c query/pushdown.c \
              query/rows.c query/tables.c query/cache.c
EXT_OBJ    := $(EXT_SRC:%.c=$(O)/pic/%.o)
EXT        := $(O)/kite_sqlite.so
PIC_CFLAGS := $(filter-out -fsanitize% -fno-sanitize%,$(CFLAGS)) -fPIC

.PHONY: all deps test check-deps format fuzz bench install clean help demo

all: $(BIN)/kite $(BIN)/kite-record $(EXT)

help:
	@echo "make              build $(BIN)/kite and $(BIN)/kite-record"
	@echo "make test         install missing packages, build, run every test"
	@echo "make test SAN=1   the same under ASan+UBSan (objects in build/san)"
	@echo "make fuzz         build the libFuzzer targets and run each for FUZZ_SECONDS (default 60)"
	@echo "make bench        build and run the benchmarks in bench/"
	@echo "make format       apply .clang-format to all sources"
	@echo "make install PREFIX=/usr/local"
	@echo "make deps         install the Debian packages kite needs (or print the command)"

$(O)/%.o: %.c $(FLAGS_FILE)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(WFLAGS) $(KCFLAGS) $(LTO) -MMD -MP -c $< -o $@

$(LIBFORMAT): $(FORMAT_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(LIBREPLAY): $(REPLAY_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(LIBQUERY): $(QUERY_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

# query/ uses replay/ and format/, never the reverse; main.c registers the sql and export commands
$(QUERY_OBJ) $(O)/replay/main.o: CPPFLAGS += -Ireplay -Iquery

# static libraries after the objects, each before the ones it uses
$(BIN)/kite: $(O)/replay/main.o $(LIBQUERY) $(LIBREPLAY) $(LIBFORMAT)
	@mkdir -p $(dir $@)
	$(CC) $(KCFLAGS) $(LTO) $(KLDFLAGS) -o $@ $^ $(LIBS) $(KITE_LIBS) $(SQL_LIBS)

$(O)/pic/%.o: %.c $(FLAGS_FILE)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Ireplay -Iquery -DKQ_EXTENSION $(WFLAGS) $(PIC_CFLAGS) -MMD -MP -c $< -o $@

# no -lsqlite3: the extension calls sqlite through the API table of the program that loads it
$(EXT): $(EXT_OBJ)
	@mkdir -p $(dir $@)
	$(CC) -shared -o $@ $^ $(LIBS) $(KITE_LIBS)

# The eBPF driver: vmlinux.h from the running kernel's BTF, the BPF object, its libbpf skeleton.
$(O)/ebpf/vmlinux.h:
	@mkdir -p $(dir $@)
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $@.tmp && mv $@.tmp $@

$(O)/ebpf/kite.bpf.o: drivers/ebpf/kite.bpf.c drivers/ebpf/kite_bpf.h $(O)/ebpf/vmlinux.h
	$(CLANG) -g -O2 -target bpf -D__TARGET_ARCH_$(BPF_ARCH) -I$(O)/ebpf -Idrivers/ebpf -Wall -Werror -c $< -o $@

$(O)/ebpf/kite.skel.h: $(O)/ebpf/kite.bpf.o
	$(BPFTOOL) gen skeleton $< name kite_bpf > $@.tmp && mv $@.tmp $@

$(DRIVER_OBJ) $(RECORD_OBJ): CPPFLAGS += -Idrivers -Idrivers/ebpf -I$(O)/ebpf
$(DRIVER_OBJ) $(RECORD_OBJ): $(O)/ebpf/kite.skel.h

# kite-record links the format library and the drivers only: never replay or query (see DESIGN.md)
$(BIN)/kite-record: $(RECORD_OBJ) $(DRIVER_OBJ) $(LIBFORMAT)
	@mkdir -p $(dir $@)
	$(CC) $(KCFLAGS) $(LTO) $(KLDFLAGS) -o $@ $^ $(LIBS) $(BPF_LIBS)

$(O)/tests/%: tests/unit/%.c tests/unit/testlib.c $(LIBQUERY) $(LIBREPLAY) $(LIBFORMAT)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Itests/unit -Ireplay -Iquery $(WFLAGS) $(KCFLAGS) $(KLDFLAGS) -o $@ $< tests/unit/testlib.c \
	    $(LIBQUERY) $(LIBREPLAY) $(LIBFORMAT) -lcmocka -lpcap $(LIBS) $(KITE_LIBS) $(SQL_LIBS)

# test_ebpf includes the drivers' spec.c (the table-to-spec compiler) to check it directly
$(O)/tests/test_ebpf: drivers/spec.c drivers/spec.h drivers/ebpf/kite_bpf.h

$(O)/tests/kt-workload: tests/e2e/workload.c $(FLAGS_FILE)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(WFLAGS) $(KCFLAGS) $(KLDFLAGS) -o $@ $< -pthread

$(O)/tests/kt-ptrace-cases: tests/e2e/ptrace_cases.c $(FLAGS_FILE)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(WFLAGS) $(KCFLAGS) $(KLDFLAGS) -o $@ $< -pthread

# test_ptrace runs test_ebpf's checks on a ptrace recording (it includes test_ebpf.c)
$(O)/tests/test_ptrace: tests/unit/test_ebpf.c drivers/spec.c drivers/spec.h

$(O)/tests/kt-state-scenarios: tests/e2e/state_scenarios.c $(FLAGS_FILE)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(WFLAGS) $(KCFLAGS) $(KLDFLAGS) -o $@ $< -pthread

$(O)/bench/%: bench/%.c tests/unit/testlib.c $(LIBFORMAT)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Itests/unit $(WFLAGS) $(KCFLAGS) $(KLDFLAGS) -o $@ $< tests/unit/testlib.c $(LIBFORMAT) $(LIBS)

# bench/replay: the replay library and the simulated host that writes its captures (bench/gen.c)
$(O)/bench/replay: bench/replay.c bench/gen.c bench/gen.h $(LIBREPLAY) $(LIBFORMAT)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Ireplay -Ibench $(WFLAGS) $(KCFLAGS) $(KLDFLAGS) -o $@ bench/replay.c bench/gen.c \
	    $(LIBREPLAY) $(LIBFORMAT) $(LIBS) $(KITE_LIBS)

# bench/rules: replay with Falco rules loaded, over bench/replay's cached captures (bench/gen.c)
$(O)/bench/rules: bench/rules.c bench/gen.c bench/gen.h $(LIBREPLAY) $(LIBFORMAT)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Ireplay -Ibench $(WFLAGS) $(KCFLAGS) $(KLDFLAGS) -o $@ bench/rules.c bench/gen.c \
	    $(LIBREPLAY) $(LIBFORMAT) $(LIBS) $(KITE_LIBS)

# bench/sql: the kite_* vtabs versus kite export + the exported database, over bench/replay's cached captures
$(O)/bench/sql: bench/sql.c bench/gen.c bench/gen.h $(LIBQUERY) $(LIBREPLAY) $(LIBFORMAT)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Ireplay -Iquery -Ibench $(WFLAGS) $(KCFLAGS) $(KLDFLAGS) -o $@ bench/sql.c bench/gen.c \
	    $(LIBQUERY) $(LIBREPLAY) $(LIBFORMAT) $(LIBS) $(KITE_LIBS) $(SQL_LIBS)

# The demo records a scripted attack-like scenario with the eBPF driver where it can (root and
# BTF), or uses the sample recorded the same way; then replays it through kite's rules.
DEMO_SCENARIO := samples/scenarios/attacks.sh
DEMO_SAMPLE   := samples/attacks.kcap
demo: check-deps
	$(MAKE) all
	@mkdir -p $(O)/demo
	@if [ "$$(id -u)" = 0 ] && [ -r /sys/kernel/btf/vmlinux ]; then \
		echo "== recording $(DEMO_SCENARIO) with kite-record (eBPF)"; \
		$(BIN)/kite-record --no-env --follow -w $(O)/demo/demo.kcap -- sh $(DEMO_SCENARIO) >/dev/null; \
	else \
		echo "== not root (or no BTF): using $(DEMO_SAMPLE), recorded the same way"; \
		cp $(DEMO_SAMPLE) $(O)/demo/demo.kcap; \
	fi
	@echo "== the scenario's process tree (kite tree)"
	@$(BIN)/kite tree -p "$$($(BIN)/kite show -n 1 -p %proc.pid $(O)/demo/demo.kcap 'proc.cmdline = "sh $(DEMO_SCENARIO)"')" \
		$(O)/demo/demo.kcap | cut -c1-150 | head -40
	@echo "== kite's rules over it (kite replay, rules/kite_rules.yaml)"
	@$(BIN)/kite replay --no-progress $(O)/demo/demo.kcap | cut -c1-220
	@echo "== CI gate: kite replay --fail-on warning exits 1 on this capture"
	@$(BIN)/kite replay -q --fail-on warning $(O)/demo/demo.kcap >/dev/null; echo "exit status $$?"

deps:
	@sh mk/deps.sh install

check-deps:
	@sh mk/deps.sh check || sh mk/deps.sh install

# The test suite: unit tests (cmocka), then the command-level tests.
test: check-deps
	$(MAKE) all $(TEST_BIN) $(O)/tests/kt-workload $(O)/tests/kt-state-scenarios $(O)/tests/kt-ptrace-cases \
	    O=$(O) BIN=$(BIN) SAN=$(SAN)
	sh tests/run.sh $(O) $(BIN)

FUZZ_SECONDS ?= 60
FUZZ_FLAGS := -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined $(CPPFLAGS) -Itests/unit
fuzz: check-deps
	@mkdir -p $(O)/fuzz
	$(CLANG) $(FUZZ_FLAGS) -o $(O)/fuzz/fuzz_reader fuzz/fuzz_reader.c tests/unit/testlib.c $(FORMAT_SRC) $(LIBS)
	$(CLANG) $(FUZZ_FLAGS) -o $(O)/fuzz/fuzz_schema fuzz/fuzz_schema.c $(FORMAT_SRC) $(LIBS)
	$(CLANG) $(FUZZ_FLAGS) -Ireplay -o $(O)/fuzz/fuzz_filter fuzz/fuzz_filter.c \
	    $(filter-out replay/main.c,$(KITE_SRC)) $(FORMAT_SRC) $(LIBS) $(KITE_LIBS)
	$(CLANG) $(FUZZ_FLAGS) -Ireplay -o $(O)/fuzz/fuzz_rules fuzz/fuzz_rules.c \
	    $(filter-out replay/main.c,$(KITE_SRC)) $(FORMAT_SRC) $(LIBS) $(KITE_LIBS)
	$(CLANG) $(FUZZ_FLAGS) -o $(O)/fuzz/fuzz_scap fuzz/fuzz_scap.c tests/unit/testlib.c $(FORMAT_SRC) $(LIBS)
	sh fuzz/run.sh $(O)/fuzz $(FUZZ_SECONDS)

bench: all $(O)/bench/format $(O)/bench/replay $(O)/tests/kt-synth $(O)/bench/rules $(O)/bench/sql
	$(O)/bench/format
	$(O)/bench/replay
	$(O)/bench/rules
	$(O)/bench/sql
	sh bench/record.sh $(O) $(BIN)
	sh bench/ptrace.sh $(O) $(BIN)
	bash bench/scap.sh $(O) $(BIN)

format:
	clang-format -i $(FORMAT_SRC) $(wildcard format/*.h) $(KITE_SRC) $(wildcard replay/*.h) \
	    $(RECORD_SRC) $(wildcard query/*.c query/*.h) $(TEST_SRC) tests/unit/*.h tests/unit/testlib.c \
	    $(wildcard fuzz/*.c bench/*.c bench/*.h tests/e2e/*.c) \
	    $(wildcard drivers/*.c drivers/*.h drivers/ptrace/*.c drivers/ptrace/*.h)

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/doc/kite $(DESTDIR)$(PREFIX)/share/kite
	install -m 0755 $(BIN)/kite $(BIN)/kite-record $(DESTDIR)$(PREFIX)/bin/
	install -m 0644 docs/*.md README.md $(DESTDIR)$(PREFIX)/share/doc/kite/
	install -m 0644 rules/kite_rules.yaml $(DESTDIR)$(PREFIX)/share/kite/
	install -d $(DESTDIR)$(PREFIX)/lib/kite
	install -m 0755 $(EXT) $(DESTDIR)$(PREFIX)/lib/kite/

clean:
	rm -rf build bin

-include $(shell find $(O) -name '*.d' 2>/dev/null)
