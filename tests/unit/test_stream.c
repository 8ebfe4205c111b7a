#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "migrate/clock_xfer.h"
#include "migrate/stream.h"

static char path[] = "/tmp/meridian-stream-XXXXXX";
static char err[256];

/* A small stream: header, one section of 5 bytes, the end. */
static int write_stream(int fd)
{
	static struct mig_stream w;

	mig_writer_init(&w, fd);
	mig_put_header(&w);
	mig_put_section(&w, MIG_SEC_CLOCK, 3, 1, 5);
	mig_put(&w, "hello", 5);
	return mig_put_end(&w);
}

static int read_stream(int fd, char *payload)
{
	static struct mig_stream r;
	uint32_t type, id, version, len;
	int s;

	mig_reader_init(&r, fd);
	if (mig_get_header(&r, err, sizeof(err)))
		return -1;
	s = mig_get_section(&r, &type, &id, &version, &len, err, sizeof(err));
	if (s != 0 || type != MIG_SEC_CLOCK || id != 3 || version != 1 || len != 5 ||
	    mig_get(&r, payload, 5))
		return -1;
	return mig_get_section(&r, &type, &id, &version, &len, err, sizeof(err));
}

/* Writes the stream, lets mangle change the file, reads it back. */
static int round_trip(void (*mangle)(int fd, off_t size), char *payload)
{
	int fd = mkstemp(path), r;
	off_t size;

	assert_true(fd >= 0);
	assert_int_equal(write_stream(fd), 0);
	size = lseek(fd, 0, SEEK_END);
	if (mangle)
		mangle(fd, size);
	lseek(fd, 0, SEEK_SET);
	r = read_stream(fd, payload);
	close(fd);
	unlink(path);
	strcpy(path, "/tmp/meridian-stream-XXXXXX");
	return r;
}

static void flip_payload_byte(int fd, off_t size)
{
	assert_int_equal(pwrite(fd, "j", 1, 12 + 16), 1);       /* "hello" -> "jello" */
}

static void cut_short(int fd, off_t size)
{
	assert_int_equal(ftruncate(fd, size - 3), 0);
}

static void wrong_version(int fd, off_t size)
{
	assert_int_equal(pwrite(fd, "\x09", 1, 8), 1);
}

static void wrong_magic(int fd, off_t size)
{
	assert_int_equal(pwrite(fd, "X", 1, 0), 1);
}

static void streams_round_trip_and_refuse_damage(void **state)
{
	char payload[6] = { 0 };

	assert_int_equal(round_trip(NULL, payload), 1);         /* 1: the end, checksum good */
	assert_string_equal(payload, "hello");
	assert_int_equal(round_trip(flip_payload_byte, payload), -1);
	assert_non_null(strstr(err, "checksum mismatch"));
	assert_int_equal(round_trip(cut_short, payload), -1);
	assert_non_null(strstr(err, "the stream ends early"));
	assert_int_equal(round_trip(wrong_version, payload), -1);
	assert_non_null(strstr(err, "stream version 9; this meridian reads version 3"));
	assert_int_equal(round_trip(wrong_magic, payload), -1);
	assert_non_null(strstr(err, "not a meridian snapshot"));
}

/* The format's word: the end record's 8 bytes are XXH64 (seed 0) of every
 * byte before them, as one-shot XXH64 over the file computes it. */
static void end_record_is_xxh64_of_all_before(void **state)
{
	uint8_t file[256];
	int fd = mkstemp(path);
	ssize_t size;
	uint64_t sum = 0;

	assert_true(fd >= 0);
	assert_int_equal(write_stream(fd), 0);
	size = pread(fd, file, sizeof(file), 0);
	close(fd);
	unlink(path);
	strcpy(path, "/tmp/meridian-stream-XXXXXX");
	assert_int_equal(size, 12 + 16 + 5 + 16 + 8);
	for (int i = 7; i >= 0; i--)
		sum = sum << 8 | file[size - 8 + i];
	assert_true(sum == XXH64(file, (size_t)size - 8, 0));
}

/* Step 6 of the offset procedure, with numbers: the guest TSC on the
 * destination continues from where it was plus the time that passed. */
static void new_offset_keeps_the_guest_tsc(void **state)
{
	uint64_t t0 = 1000000000ull, off = (uint64_t)-500000000ll;     /* guest TSC 5e8 at t0 */
	uint64_t k0 = 7000000000ull, k1 = k0 + 2000000000ull;          /* 2 s later */
	uint64_t t1 = 90000000000ull;                                   /* another host's TSC */
	uint64_t new_off = clock_xfer_new_offset(t0, off, k0, k1, 2500000, t1);

	/* guest TSC at t1 = t1 + new_off = 5e8 + 2 s * 2.5 GHz */
	assert_int_equal(t1 + new_off, 500000000ull + 5000000000ull);
	/* the same offset for every vCPU that had the same one */
	assert_int_equal(clock_xfer_new_offset(t0, off, k0, k1, 2500000, t1), new_off);
}

/* Writes big through mig_put in pieces of `piece` bytes, or all at once
 * through mig_put_stable (straight from the caller's bytes): returns the
 * end record's checksum. */
static uint64_t sum_written(const uint8_t *big, size_t len, size_t piece)
{
	static struct mig_stream w;
	int fd = mkstemp(path);
	uint8_t tail[8];
	uint64_t sum = 0;

	assert_true(fd >= 0);
	mig_writer_init(&w, fd);
	mig_put_header(&w);
	mig_put_section(&w, MIG_SEC_RAM, 0, 1, (uint32_t)len);
	for (size_t off = 0; piece && off < len; off += piece)
		mig_put(&w, big + off, len - off < piece ? len - off : piece);
	if (!piece)
		mig_put_stable(&w, big, len);
	assert_int_equal(mig_put_end(&w), 0);
	assert_int_equal(pread(fd, tail, 8, lseek(fd, 0, SEEK_END) - 8), 8);
	close(fd);
	unlink(path);
	strcpy(path, "/tmp/meridian-stream-XXXXXX");
	for (int i = 7; i >= 0; i--)
		sum = sum << 8 | tail[i];
	return sum;
}

/* The same checksum whatever the pieces: buffered copies of odd sizes, or
 * the direct path for big stable data. */
static void checksum_same_however_written(void **state)
{
	static uint8_t big[200000];
	uint64_t whole;

	for (unsigned i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 31 + 7);
	whole = sum_written(big, sizeof(big), 0);
	assert_true(sum_written(big, sizeof(big), 1) == whole);
	assert_true(sum_written(big, sizeof(big), 4093) == whole);
	assert_true(sum_written(big, sizeof(big), 65536) == whole);
	big[123456] ^= 1;
	assert_true(sum_written(big, sizeof(big), 4093) != whole);
}

/* The cap holds on average, whatever the size of each write: 100 runs of
 * 1 MiB at 7 MB/s take 15 s of the sender's time (the 100 ms windows
 * of before let one 1 MiB run through per window: 10.5 MB/s). */
static void pace_holds_the_cap(void **state)
{
	uint64_t due = 0, now = 5000000, start = now, limit = 7000000;

	for (int i = 0; i < 100; i++)
		now += mig_pace(&due, now, 1 << 20, limit) + 50;        /* 50 us to write */
	now = due > now ? due : now;            /* the last one's time */
	assert_in_range((now - start) / 1000, 100 * (1 << 20) / 7000 - 20, 100 * (1 << 20) / 7000 + 20);
	/* small writes too: 1000 of 64 KiB at 1 MB/s take 65.5 s */
	due = 0;
	start = now;
	for (int i = 0; i < 1000; i++)
		now += mig_pace(&due, now, 65536, 1000000);
	now = due > now ? due : now;
	assert_in_range((now - start) / 1000, 65536 - 20, 65536 + 20);
}

/* Idle time is not banked: after 10 s of nothing, a burst goes at the
 * cap again after one slack's worth; no limit: never a wait. */
static void pace_banks_no_idle_time(void **state)
{
	uint64_t due = 0, now = 1000000;

	assert_int_equal(mig_pace(&due, now, 1000, 1000000), 0);        /* 1 ms of it */
	now += 10000000;
	assert_int_equal(mig_pace(&due, now, 10000, 1000000), 0);       /* 10 ms: the slack */
	assert_int_equal(mig_pace(&due, now, 10000, 1000000), 20000);   /* now 20 ms ahead */
	assert_int_equal(mig_pace(&due, now, 1 << 30, 0), 0);
	assert_int_equal(due, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(checksum_same_however_written),
		cmocka_unit_test(pace_holds_the_cap),
		cmocka_unit_test(pace_banks_no_idle_time),
		cmocka_unit_test(streams_round_trip_and_refuse_damage),
		cmocka_unit_test(end_record_is_xxh64_of_all_before),
		cmocka_unit_test(new_offset_keeps_the_guest_tsc),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
