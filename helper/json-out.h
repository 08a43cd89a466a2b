/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* A small JSON writer for `status --json`: one value at a time, indented
 * two spaces a level, commas and nesting tracked here. Keys are given with
 * the value (NULL inside an array and for the top value). Strings come from
 * sysfs, /dev and files an attacker may name, so every string goes through
 * json_escape(). */

#define JSON_DEPTH_MAX 16

typedef struct JsonOut {
        FILE *f;
        unsigned depth;
        bool has_items[JSON_DEPTH_MAX]; /* a value written at this level */
        bool one_line[JSON_DEPTH_MAX];  /* this level's values on one line */
} JsonOut;

void json_init(JsonOut *j, FILE *f);

void json_object_begin(JsonOut *j, const char *key);
void json_object_end(JsonOut *j);
void json_array_begin(JsonOut *j, const char *key);
void json_array_end(JsonOut *j);
/* An array whose values (scalars) go on one line: ["sda", "xvd-sda"]. */
void json_array_begin_line(JsonOut *j, const char *key);

/* s NULL writes null. */
void json_string(JsonOut *j, const char *key, const char *s);
void json_int(JsonOut *j, const char *key, long long v);
void json_bool(JsonOut *j, const char *key, bool v);
void json_null(JsonOut *j, const char *key);
/* The words of a space-separated list ("sda xvd-sda") as a one-line array
 * of strings; NULL writes null. */
void json_words(JsonOut *j, const char *key, const char *words);
/* Ends the top value with a newline. */
void json_finish(JsonOut *j);

/* Writes s[0..len) as a JSON string with its quotes: '"' and '\' escaped,
 * every control character (U+0000-U+001F, DEL, U+0080-U+009F) as \uXXXX or
 * its short form (\n, \t, ...), U+2028 and U+2029 as \uXXXX, other
 * well-formed UTF-8 as is, and each byte that is not part of well-formed
 * UTF-8 (a stray continuation byte, a truncated or overlong sequence, a
 * surrogate, beyond U+10FFFF) as \ufffd. The output is always valid UTF-8
 * and valid JSON. */
void json_escape(FILE *f, const char *s, size_t len);
