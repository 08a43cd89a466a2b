/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <syslog.h>

#include "macro.h"

/* One line per message on stderr, "ec2-xvd-alias: ...". Under udev, stderr
 * of a PROGRAM/RUN helper only reaches udevd's debug log, so notices (a
 * handover), warnings and errors are copied to syslog once
 * log_open_syslog() was called. */
void log_set_max_level(int level);
void log_open_syslog(void);

/* Returns -|error| (or 0 when error is 0), so callers can
 * "return log_error_errno(r, ...)". With a non-zero error, %m in the format
 * prints strerror(|error|). */
int log_internal(int level, int error, const char *format, ...) _printf_(3, 4);

#define log_debug(...) log_internal(LOG_DEBUG, 0, __VA_ARGS__)
#define log_info(...) log_internal(LOG_INFO, 0, __VA_ARGS__)
#define log_notice(...) log_internal(LOG_NOTICE, 0, __VA_ARGS__)
#define log_warning(...) log_internal(LOG_WARNING, 0, __VA_ARGS__)
#define log_error(...) log_internal(LOG_ERR, 0, __VA_ARGS__)
#define log_debug_errno(e, ...) log_internal(LOG_DEBUG, (e), __VA_ARGS__)
#define log_warning_errno(e, ...) log_internal(LOG_WARNING, (e), __VA_ARGS__)
#define log_error_errno(e, ...) log_internal(LOG_ERR, (e), __VA_ARGS__)
