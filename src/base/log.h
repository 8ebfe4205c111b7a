/* Messages to the operator: one line each, prefixed "meridian: ". */
#ifndef MERIDIAN_LOG_H
#define MERIDIAN_LOG_H

#include <stdbool.h>

/* Error line on stderr: "meridian: <message>". */
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Informational line on stderr, shown unless quiet. */
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Like log_info, but only the first time this call site runs (no silent fallbacks). */
#define log_once(...) do { static bool said_; if (!said_) { said_ = true; log_info(__VA_ARGS__); } } while (0)

void log_set_quiet(bool quiet);

#endif
