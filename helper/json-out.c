/* SPDX-License-Identifier: MIT */
#include <string.h>

#include "json-out.h"

/* The length of the well-formed UTF-8 sequence at s (at most n bytes), with
 * its code point, or 0 when the byte at s starts none (Unicode 15, table
 * 3-7: no overlong form, no surrogate, nothing beyond U+10FFFF). */
static size_t utf8_sequence(const unsigned char *s, size_t n, unsigned *cp) {
        unsigned char lo = 0x80, hi = 0xbf;
        size_t len;

        if (s[0] < 0x80) {
                *cp = s[0];
                return 1;
        }
        if (s[0] >= 0xc2 && s[0] <= 0xdf) {
                len = 2;
                *cp = s[0] & 0x1fu;
        } else if (s[0] >= 0xe0 && s[0] <= 0xef) {
                len = 3;
                *cp = s[0] & 0x0fu;
                if (s[0] == 0xe0)
                        lo = 0xa0;
                else if (s[0] == 0xed)
                        hi = 0x9f;
        } else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
                len = 4;
                *cp = s[0] & 0x07u;
                if (s[0] == 0xf0)
                        lo = 0x90;
                else if (s[0] == 0xf4)
                        hi = 0x8f;
        } else
                return 0;
        if (n < len)
                return 0;
        for (size_t i = 1; i < len; i++) {
                if (s[i] < lo || s[i] > hi)
                        return 0;
                lo = 0x80;
                hi = 0xbf;
                *cp = (*cp << 6) | (s[i] & 0x3fu);
        }
        return len;
}

void json_escape(FILE *f, const char *str, size_t len) {
        const unsigned char *s = (const unsigned char *) str;

        fputc('"', f);
        for (size_t i = 0; i < len;) {
                unsigned cp;
                size_t n = utf8_sequence(s + i, len - i, &cp);

                if (n == 0) {
                        fputs("\\ufffd", f);
                        i++;
                        continue;
                }
                switch (cp) {
                case '"':
                        fputs("\\\"", f);
                        break;
                case '\\':
                        fputs("\\\\", f);
                        break;
                case '\n':
                        fputs("\\n", f);
                        break;
                case '\t':
                        fputs("\\t", f);
                        break;
                case '\r':
                        fputs("\\r", f);
                        break;
                case '\b':
                        fputs("\\b", f);
                        break;
                case '\f':
                        fputs("\\f", f);
                        break;
                default:
                        if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x2028 || cp == 0x2029)
                                fprintf(f, "\\u%04x", cp);
                        else
                                fwrite(s + i, 1, n, f);
                }
                i += n;
        }
        fputc('"', f);
}

void json_init(JsonOut *j, FILE *f) {
        *j = (JsonOut) { .f = f };
}

/* The comma, newline and indent before a value, and its key. */
static void value_begin(JsonOut *j, const char *key) {
        if (j->depth > 0 && j->depth < JSON_DEPTH_MAX && j->one_line[j->depth]) {
                if (j->has_items[j->depth])
                        fputs(", ", j->f);
        } else if (j->depth > 0) {
                if (j->has_items[j->depth])
                        fputc(',', j->f);
                fputc('\n', j->f);
                for (unsigned i = 0; i < j->depth; i++)
                        fputs("  ", j->f);
        }
        if (j->depth < JSON_DEPTH_MAX)
                j->has_items[j->depth] = true;
        if (key) {
                json_escape(j->f, key, strlen(key));
                fputs(": ", j->f);
        }
}

static void container_begin(JsonOut *j, const char *key, char open, bool one_line) {
        value_begin(j, key);
        fputc(open, j->f);
        j->depth++;
        if (j->depth < JSON_DEPTH_MAX) {
                j->has_items[j->depth] = false;
                j->one_line[j->depth] = one_line;
        }
}

static void container_end(JsonOut *j, char close) {
        bool items = j->depth < JSON_DEPTH_MAX && j->has_items[j->depth] && !j->one_line[j->depth];

        j->depth--;
        if (items) {
                fputc('\n', j->f);
                for (unsigned i = 0; i < j->depth; i++)
                        fputs("  ", j->f);
        }
        fputc(close, j->f);
}

void json_object_begin(JsonOut *j, const char *key) {
        container_begin(j, key, '{', false);
}

void json_object_end(JsonOut *j) {
        container_end(j, '}');
}

void json_array_begin(JsonOut *j, const char *key) {
        container_begin(j, key, '[', false);
}

void json_array_begin_line(JsonOut *j, const char *key) {
        container_begin(j, key, '[', true);
}

void json_array_end(JsonOut *j) {
        container_end(j, ']');
}

void json_string(JsonOut *j, const char *key, const char *s) {
        if (!s) {
                json_null(j, key);
                return;
        }
        value_begin(j, key);
        json_escape(j->f, s, strlen(s));
}

void json_int(JsonOut *j, const char *key, long long v) {
        value_begin(j, key);
        fprintf(j->f, "%lld", v);
}

void json_bool(JsonOut *j, const char *key, bool v) {
        value_begin(j, key);
        fputs(v ? "true" : "false", j->f);
}

void json_null(JsonOut *j, const char *key) {
        value_begin(j, key);
        fputs("null", j->f);
}

void json_words(JsonOut *j, const char *key, const char *words) {
        if (!words) {
                json_null(j, key);
                return;
        }
        json_array_begin_line(j, key);
        for (const char *p = words + strspn(words, " "); *p; p += strspn(p, " ")) {
                size_t len = strcspn(p, " ");

                value_begin(j, NULL);
                json_escape(j->f, p, len);
                p += len;
        }
        json_array_end(j);
}

void json_finish(JsonOut *j) {
        fputc('\n', j->f);
}
