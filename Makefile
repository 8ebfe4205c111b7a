# meridian: the two commands a newcomer needs are `make demo` and `make check`.
# Meson + ninja do the building; this file only names the jobs.
BUILD      ?= build
ASAN_BUILD ?= build-asan

.PHONY: all deps check unit unit-asan tsan cli fuzz lab demo bench bench-ab clean

all: $(BUILD)/meridian

deps:
	@sh tests/deps.sh

$(BUILD)/build.ninja: | deps
	meson setup $(BUILD)

# Always ask ninja: it knows what changed.
$(BUILD)/meridian: $(BUILD)/build.ninja FORCE
	@ninja -C $(BUILD) >/dev/null || ninja -C $(BUILD)

$(ASAN_BUILD)/build.ninja: | deps
	meson setup $(ASAN_BUILD) -Db_sanitize=address,undefined -Db_lundef=false \
		-Dbuildtype=debug

FORCE:

unit: $(BUILD)/meridian
	meson test -C $(BUILD) --suite unit --print-errorlogs

unit-asan: $(ASAN_BUILD)/build.ninja
	@ninja -C $(ASAN_BUILD) >/dev/null || ninja -C $(ASAN_BUILD)
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		meson test -C $(ASAN_BUILD) --suite unit --print-errorlogs

tsan: deps
	sh tests/tsan/run.sh

cli: $(BUILD)/meridian
	sh tests/cli/test_cli.sh

fuzz: deps
	sh tests/fuzz/run.sh

lab: $(BUILD)/meridian
	sh tests/lab/lab.sh $(SCENARIOS)

# Everything, with one closing "check: N passed, N failed" line.
check: $(BUILD)/meridian $(ASAN_BUILD)/build.ninja
	@sh tests/check.sh $(BUILD) $(ASAN_BUILD)

demo: $(BUILD)/meridian
	@sh tests/demo.sh

bench: $(BUILD)/meridian
	sh bench/boot/run.sh
	sh bench/clock/run.sh
	sh bench/blk/run.sh
	sh bench/migrate/run.sh
	sh bench/net/run.sh

# This tree's meridian against another commit's (BASE=REV), side by side
# in the same L1: boot and migrate, with per-run ratios and their spread.
bench-ab: $(BUILD)/meridian
	sh bench/ab.sh boot $(BASE)
	sh bench/ab.sh migrate $(BASE)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
