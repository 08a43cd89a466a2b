/* SPDX-License-Identifier: MIT */
/* `ec2-xvd-alias status` on a fake machine described by the input:
 * config_load() and status_print() (helper/config.c, status.c, policy.c,
 * probe.c, scsi.c, multipath.c), and collisions_find(), which `repair` uses.
 * This reaches every reader together, with the file contents and the
 * directory layout both fuzzed. The input is a list of records:
 *
 *   @d PATH            a directory
 *   @f PATH            a file; its content is every following line up to
 *   CONTENT...         the next line that starts with '@'
 *   @l PATH TARGET     a symlink
 *
 * PATH is relative to the fake root (sys/class/block/sda/dev, dev/sda,
 * etc/ec2-xvd-alias.conf, ...). Symlinks are confined,
 * so that nothing the helper opens can lead out of the fake root (a link to
 * a host device could have effects when opened): dev/NAME may point
 * anywhere (the helper only lstat()s, readlink()s and stat()s those), a
 * link anywhere else must be "../../devices/..." without "..", as sysfs
 * makes them, and nothing is ever created through a symlink.
 * Properties checked: status returns STATUS_OK (clean), STATUS_CRITICAL
 * (collisions) or a negative errno (a system error: unreadable sysfs); then
 * its report has the header and a Collisions section that agrees with the
 * result and with collisions_find(); every collision names a real sd disk.
 * `status --json` on the same machine: exactly one JSON value and a newline
 * (checked by a strict parser here: well-formed UTF-8, no raw control
 * character in a string, no trailing comma), with the same result as the
 * prose report or STATUS_WARNING where that is clean, its "state" saying
 * so and its "collision_count" the same count. */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"
#include "helper/collisions.h"
#include "helper/config.h"
#include "helper/macro.h"
#include "helper/names.h"
#include "helper/status.h"

#define RECORDS_MAX 64
#define PATH_LEN_MAX 240

static bool component_ok(const char *c, size_t len) {
        return len > 0 && len <= 255 && !(len == 1 && c[0] == '.') && !(len == 2 && c[0] == '.' && c[1] == '.');
}

/* Opens (making them) the directories of rel but its last component,
 * never through a symlink. The directory fd, or -1. *last: the last name. */
static int open_parent(char *rel, char **last) {
        int fd = open(fuzz_root(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        char *p = rel, *slash;

        fuzz_check(fd >= 0);
        while ((slash = strchr(p, '/'))) {
                int sub;

                *slash = '\0';
                if (!component_ok(p, strlen(p))) {
                        close(fd);
                        return -1;
                }
                (void) mkdirat(fd, p, 0755);
                sub = openat(fd, p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                close(fd);
                if (sub < 0)
                        return -1;
                fd = sub;
                p = slash + 1;
        }
        if (!component_ok(p, strlen(p))) {
                close(fd);
                return -1;
        }
        *last = p;
        return fd;
}

/* dev/NAME: anything. Elsewhere: "../../devices/" and no ".." after it. */
static bool link_ok(const char *path, const char *target) {
        const char *p;

        if (startswith(path, "dev/") && !strchr(path + 4, '/'))
                return *target != '\0';
        if (!startswith(target, "../../devices/"))
                return false;
        for (p = target + strlen("../../devices/"); *p;) {
                size_t len = strcspn(p, "/");

                if (len == 2 && p[0] == '.' && p[1] == '.')
                        return false;
                p += len;
                p += strspn(p, "/");
        }
        /* From sys/class/block/NAME, "../../devices" is sys/devices. */
        return startswith(path, "sys/class/") && strchr(path + 10, '/') && !strchr(strchr(path + 10, '/') + 1, '/');
}

static void make_entry(char kind, char *path, const char *content, size_t len, const char *target) {
        char *last;
        int dir, fd;

        if (strlen(path) > PATH_LEN_MAX)
                return;
        if (kind == 'l' && (!target || !link_ok(path, target)))
                return;
        dir = open_parent(path, &last);
        if (dir < 0)
                return;
        switch (kind) {
        case 'd':
                (void) mkdirat(dir, last, 0755);
                break;
        case 'f':
                fd = openat(dir, last, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
                if (fd >= 0) {
                        fuzz_check(write(fd, content, len) == (ssize_t) len);
                        close(fd);
                }
                break;
        case 'l':
                (void) symlinkat(target, dir, last);
                break;
        }
        close(dir);
}

static void build_root(const char *text) {
        const char *p = text;
        unsigned records = 0;

        fuzz_root_clear();
        while (*p && records < RECORDS_MAX) {
                const char *eol = strchrnul(p, '\n'), *body, *end;
                char line[PATH_LEN_MAX * 2 + 8], kind, *path, *target = NULL;
                size_t len = (size_t) (eol - p);

                if (p[0] != '@' || len < 4 || p[2] != ' ' || len >= sizeof(line)) {
                        p = *eol ? eol + 1 : eol;
                        continue;
                }
                memcpy(line, p, len);
                line[len] = '\0';
                kind = line[1];
                path = line + 3;
                if (kind == 'l') {
                        target = strchr(path, ' ');
                        if (target)
                                *target++ = '\0';
                }
                /* The body: up to the next line that starts with '@'. */
                body = *eol ? eol + 1 : eol;
                for (end = body; *end && *end != '@';)
                        end = *strchrnul(end, '\n') ? strchrnul(end, '\n') + 1 : strchrnul(end, '\n');
                make_entry(kind, path, body, (size_t) (end - body), target);
                records++;
                p = end;
        }
}

/* A strict JSON parser that only says whether p is one well-formed value:
 * RFC 8259, strings well-formed UTF-8 without raw control characters. */
typedef struct Json {
        const unsigned char *p, *end;
        unsigned depth;
} Json;

static void json_ws(Json *j) {
        while (j->p < j->end && (*j->p == ' ' || *j->p == '\n' || *j->p == '\t' || *j->p == '\r'))
                j->p++;
}

static bool json_lit(Json *j, const char *lit) {
        size_t len = strlen(lit);

        if ((size_t) (j->end - j->p) < len || memcmp(j->p, lit, len) != 0)
                return false;
        j->p += len;
        return true;
}

static bool json_str(Json *j) {
        if (j->p >= j->end || *j->p != '"')
                return false;
        j->p++;
        while (j->p < j->end && *j->p != '"') {
                unsigned char c = *j->p;

                if (c < 0x20)
                        return false;
                if (c == '\\') {
                        j->p++;
                        if (j->p >= j->end)
                                return false;
                        if (*j->p == 'u') {
                                for (int i = 1; i <= 4; i++)
                                        if (j->p + i >= j->end || !strchr("0123456789abcdefABCDEF", j->p[i]) ||
                                            !j->p[i])
                                                return false;
                                j->p += 5;
                        } else if (*j->p && strchr("\"\\/bfnrt", *j->p))
                                j->p++;
                        else
                                return false;
                } else if (c < 0x80)
                        j->p++;
                else {
                        /* well-formed UTF-8 (Unicode table 3-7) */
                        unsigned char lo = 0x80, hi = 0xbf;
                        int len = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;

                        if (len == 0 || j->end - j->p < len)
                                return false;
                        if (c == 0xe0)
                                lo = 0xa0;
                        else if (c == 0xed)
                                hi = 0x9f;
                        else if (c == 0xf0)
                                lo = 0x90;
                        else if (c == 0xf4)
                                hi = 0x8f;
                        for (int i = 1; i < len; i++, lo = 0x80, hi = 0xbf)
                                if (j->p[i] < lo || j->p[i] > hi)
                                        return false;
                        j->p += len;
                }
        }
        if (j->p >= j->end)
                return false;
        j->p++;
        return true;
}

static bool json_value(Json *j);

static bool json_container(Json *j, char close, bool object) {
        j->p++;
        json_ws(j);
        if (j->p < j->end && *j->p == close) {
                j->p++;
                return true;
        }
        for (;;) {
                json_ws(j);
                if (object) {
                        if (!json_str(j))
                                return false;
                        json_ws(j);
                        if (j->p >= j->end || *j->p != ':')
                                return false;
                        j->p++;
                }
                if (!json_value(j))
                        return false;
                json_ws(j);
                if (j->p >= j->end)
                        return false;
                if (*j->p == close) {
                        j->p++;
                        return true;
                }
                if (*j->p != ',')
                        return false;
                j->p++;
        }
}

static bool json_value(Json *j) {
        bool ok;

        json_ws(j);
        if (j->p >= j->end || j->depth > 64)
                return false;
        switch (*j->p) {
        case '{':
        case '[':
                j->depth++;
                ok = json_container(j, *j->p == '{' ? '}' : ']', *j->p == '{');
                j->depth--;
                return ok;
        case '"':
                return json_str(j);
        case 't':
                return json_lit(j, "true");
        case 'f':
                return json_lit(j, "false");
        case 'n':
                return json_lit(j, "null");
        default:
                if (*j->p == '-')
                        j->p++;
                if (j->p >= j->end || *j->p < '0' || *j->p > '9')
                        return false;
                if (*j->p == '0')
                        j->p++;
                else
                        while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
                                j->p++;
                return true;
        }
}

/* One JSON value, then exactly one newline. */
static bool json_document(const char *s, size_t len) {
        Json j = { .p = (const unsigned char *) s, .end = (const unsigned char *) s + len };

        if (!json_value(&j))
                return false;
        return j.end - j.p == 1 && *j.p == '\n';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_free_ char *text = NULL, *report = NULL, *json = NULL;
        _cleanup_free_ Collision *v = NULL;
        size_t report_size = 0, json_size = 0, n = 0;
        const char *section;
        char expect[96];
        Config c;
        FILE *out, *jout;
        int r, rc, rj;

        text = fuzz_strndup(data, size);
        build_root(text);

        out = open_memstream(&report, &report_size);
        fuzz_check(out);
        fuzz_log_begin();
        config_load(&c);
        r = status_print(&c, false, out);
        rc = collisions_find(&v, &n);
        jout = open_memstream(&json, &json_size);
        fuzz_check(jout);
        rj = status_print(&c, true, jout);
        fuzz_log_end();
        fuzz_check(fclose(out) == 0);
        fuzz_check(fclose(jout) == 0);

        if (getenv("FUZZ_LOG"))
                fprintf(stderr, "status: %d\n%s\nstatus --json: %d\n%s", r, report, rj, json);
        /* Whatever the machine, one JSON document, with the schema key. */
        fuzz_check(json_document(json, json_size));
        fuzz_check(startswith(json, "{\n  \"schema\": \"" STATUS_JSON_SCHEMA "\",\n"));
        /* A negative errno is the documented "system error" (exit 3), as
         * for a sys/class/block that is not a directory. */
        fuzz_check(r == STATUS_OK || r == STATUS_CRITICAL || (r < 0 && r > -4096));
        fuzz_check(rj == r || (r == STATUS_OK && rj == STATUS_WARNING));
        if (r < 0) {
                fuzz_check(strstr(json, "\n  \"state\": \"unknown\",\n  \"exit_status\": 3,\n"));
                return 0;
        }
        snprintf(expect, sizeof(expect), "\n  \"state\": \"%s\",\n  \"exit_status\": %d,\n  \"collision_count\": %zu,\n",
                 rj == STATUS_OK ? "ok" : rj == STATUS_WARNING ? "warning" : "critical", rj, n);
        fuzz_check(strstr(json, expect));
        fuzz_check(startswith(report, "ec2-xvd-alias "));
        section = strstr(report, "\nCollisions:     ");
        fuzz_check(section);
        fuzz_check(rc == 0);
        if (r == STATUS_OK) {
                fuzz_check(startswith(section, "\nCollisions:     none\n"));
                fuzz_check(n == 0);
        } else {
                snprintf(expect, sizeof(expect), "\nCollisions:     %zu\n", n);
                fuzz_check(n > 0 && startswith(section, expect));
        }
        for (size_t i = 0; i < n; i++) {
                DiskName parsed;
                const char *reason;

                fuzz_check(sd_name_parse(v[i].info.name, &parsed, &reason) == 0);
                fuzz_check(streq(parsed.letters, v[i].parsed.letters) && parsed.partition == v[i].parsed.partition);
                fuzz_check(v[i].kind <= COLLISION_MULTIPATH);
        }
        return 0;
}
