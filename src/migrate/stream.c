#include "migrate/stream.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/clock_now.h"
#include "base/le_bytes.h"

/* --- writing --- */

void mig_writer_init(struct mig_stream *w, int fd)
{
	memset(w, 0, sizeof(*w));
	w->fd = fd;
	XXH64_reset(&w->sum, 0);
}

uint64_t mig_pace(uint64_t *due_us, uint64_t now_us, uint64_t bytes, uint64_t limit)
{
	if (!limit) {
		*due_us = 0;
		return 0;
	}
	if (*due_us < now_us)
		*due_us = now_us;
	*due_us += bytes * 1000000 / limit;
	return *due_us > now_us + MIG_PACE_SLACK_US ? *due_us - now_us : 0;
}

static void rate_limit(struct mig_stream *w, size_t bytes)
{
	uint64_t wait_us = mig_pace(&w->pace_us, monotonic_us(), bytes,
				    atomic_load(&w->max_bytes_per_s));

	if (wait_us)
		usleep((useconds_t)wait_us);
}

/* All of [p, p+len) to the descriptor, or the first error in w->error. */
static void write_all(struct mig_stream *w, const uint8_t *p, size_t len)
{
	while (len && !w->error) {
		ssize_t n = write(w->fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			w->error = n < 0 ? -errno : -EIO;
		else
			p += n, len -= (size_t)n;
	}
}

void mig_flush(struct mig_stream *w)
{
	rate_limit(w, w->len);
	write_all(w, w->buf, w->len);
	w->len = 0;
}

void mig_put(struct mig_stream *w, const void *data, size_t len)
{
	const uint8_t *p = data;

	w->bytes += len;
	while (len && !w->error) {
		size_t n = sizeof(w->buf) - w->len < len ? sizeof(w->buf) - w->len : len;

		/* the checksum of the copy, not of data: guest RAM changes
		 * under a live migration, and it must match the bytes that go */
		memcpy(w->buf + w->len, p, n);
		XXH64_update(&w->sum, w->buf + w->len, n);
		w->len += n;
		p += n;
		len -= n;
		if (w->len == sizeof(w->buf))
			mig_flush(w);
	}
}

void mig_put_stable(struct mig_stream *w, const void *data, size_t len)
{
	const uint8_t *p = data;

	if (len < sizeof(w->buf)) {
		mig_put(w, data, len);
		return;
	}
	/* big and not changing: straight from the caller's bytes */
	mig_flush(w);
	w->bytes += len;
	XXH64_update(&w->sum, p, len);
	rate_limit(w, len);
	write_all(w, p, len);
}

void mig_put_u32(struct mig_stream *w, uint32_t v)
{
	uint8_t b[4];

	le_put(b, v, 4);
	mig_put(w, b, 4);
}

void mig_put_u64(struct mig_stream *w, uint64_t v)
{
	uint8_t b[8];

	le_put(b, v, 8);
	mig_put(w, b, 8);
}

void mig_put_header(struct mig_stream *w)
{
	mig_put(w, MIG_MAGIC, 8);
	mig_put_u32(w, MIG_STREAM_VERSION);
}

void mig_put_section(struct mig_stream *w, uint32_t type, uint32_t id, uint32_t version,
		     uint32_t payload_bytes)
{
	mig_put_u32(w, type);
	mig_put_u32(w, id);
	mig_put_u32(w, version);
	mig_put_u32(w, payload_bytes);
}

int mig_put_end(struct mig_stream *w)
{
	uint64_t sum;

	mig_put_section(w, MIG_SEC_END, 0, 1, 8);
	sum = XXH64_digest(&w->sum);
	mig_put_u64(w, sum);
	mig_flush(w);
	return w->error;
}

/* --- reading --- */

void mig_reader_init(struct mig_stream *r, int fd)
{
	memset(r, 0, sizeof(*r));
	r->fd = fd;
	XXH64_reset(&r->sum, 0);
}

int mig_get(struct mig_stream *r, void *data, size_t len)
{
	uint8_t *p = data;
	size_t want = len;

	while (want && !r->error) {
		if (r->pos == r->len) {
			ssize_t n = read(r->fd, r->buf, sizeof(r->buf));

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				r->error = n < 0 ? -errno : -EPROTO;    /* EOF: truncated */
				break;
			}
			r->len = (size_t)n;
			r->pos = 0;
		}
		size_t k = r->len - r->pos < want ? r->len - r->pos : want;

		memcpy(p, r->buf + r->pos, k);
		r->pos += k;
		p += k;
		want -= k;
	}
	if (r->error)
		return -1;
	XXH64_update(&r->sum, data, len);
	r->bytes += len;
	return 0;
}

int mig_get_u32(struct mig_stream *r, uint32_t *v)
{
	uint8_t b[4];

	if (mig_get(r, b, 4))
		return -1;
	*v = (uint32_t)le_get(b, 4);
	return 0;
}

int mig_get_u64(struct mig_stream *r, uint64_t *v)
{
	uint8_t b[8];

	if (mig_get(r, b, 8))
		return -1;
	*v = le_get(b, 8);
	return 0;
}

static int truncated(struct mig_stream *r, char *err, int err_len)
{
	snprintf(err, err_len, "the stream ends early (after %llu bytes)%s%s",
		 (unsigned long long)r->bytes, r->error != -EPROTO ? ": " : "",
		 r->error != -EPROTO ? strerror(-r->error) : "");
	return -1;
}

int mig_get_header(struct mig_stream *r, char *err, int err_len)
{
	char magic[8];
	uint32_t version;

	if (mig_get(r, magic, 8) || mig_get_u32(r, &version))
		return truncated(r, err, err_len);
	if (memcmp(magic, MIG_MAGIC, 8)) {
		snprintf(err, err_len, "not a meridian snapshot or migration stream");
		return -1;
	}
	if (version != MIG_STREAM_VERSION) {
		snprintf(err, err_len, "stream version %u; this meridian reads version %u", version,
			 MIG_STREAM_VERSION);
		return -1;
	}
	return 0;
}

int mig_get_section(struct mig_stream *r, uint32_t *type, uint32_t *id, uint32_t *version,
		    uint32_t *payload_bytes, char *err, int err_len)
{
	uint64_t want_sum, got_sum;

	if (mig_get_u32(r, type) || mig_get_u32(r, id) || mig_get_u32(r, version) ||
	    mig_get_u32(r, payload_bytes))
		return truncated(r, err, err_len);
	if (*payload_bytes > MIG_MAX_SECTION_BYTES) {
		snprintf(err, err_len, "a section of %u bytes (type %u): corrupt stream",
			 *payload_bytes, *type);
		return -1;
	}
	if (*type != MIG_SEC_END)
		return 0;
	want_sum = XXH64_digest(&r->sum);
	if (*payload_bytes != 8 || mig_get_u64(r, &got_sum))
		return truncated(r, err, err_len);
	if (got_sum != want_sum) {
		snprintf(err, err_len, "checksum mismatch (stream says %016llx, data gives %016llx): "
			 "corrupt stream", (unsigned long long)got_sum, (unsigned long long)want_sum);
		return -1;
	}
	return 1;
}
