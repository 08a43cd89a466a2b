/* SPDX-License-Identifier: MIT */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>

#include "config.h"
#include "log.h"
#include "names.h"
#include "probe.h"
#include "root.h"

static const char *const mode_names[_MODE_MAX] = {
        [MODE_AUTO] = "auto",
        [MODE_OFF] = "off",
};

const char *mode_to_string(AliasMode m) {
        return mode_names[m];
}

/* "compat" was 0.1.0's name for what "auto" is now (0.1.0's "auto" read SCSI
 * activity, so its answer changed from boot to boot): a configuration that
 * says either keeps working, and means the one rule. */
int mode_from_string(const char *s, AliasMode *ret) {
        if (streq(s, "compat")) {
                *ret = MODE_AUTO;
                return 0;
        }
        for (size_t i = 0; i < ELEMENTSOF(mode_names); i++)
                if (streq(s, mode_names[i])) {
                        *ret = (AliasMode) i;
                        return 0;
                }
        return -EINVAL;
}

void config_init(Config *c) {
        *c = (Config) {
                .mode = MODE_AUTO,
                .handover_timeout_ms = HANDOVER_TIMEOUT_DEFAULT_MS,
        };
        snprintf(c->mode_source, sizeof(c->mode_source), "default");
}

static char *strip(char *s) {
        char *e;

        while (isspace((unsigned char) *s))
                s++;
        e = s + strlen(s);
        while (e > s && isspace((unsigned char) e[-1]))
                *--e = '\0';
        return s;
}

static void add_reserved(Config *c, const char *word, const char *filename, unsigned line) {
        const char *reason;
        char logbuf[NAME_LOG_BUF];
        DiskName n;

        if (sd_name_parse(word, &n, &reason) < 0 || n.partition > 0) {
                log_warning("%s:%u: reserve: '%s' is not a whole-disk name like sdb, ignoring it",
                            filename, line, name_for_log(word, logbuf, sizeof(logbuf)));
                return;
        }
        if (config_is_reserved(c, word))
                return;
        if (c->n_reserve == CONFIG_RESERVE_MAX) {
                log_warning("%s:%u: reserve: more than %u names, ignoring '%s'", filename, line,
                            CONFIG_RESERVE_MAX, word);
                return;
        }
        snprintf(c->reserve[c->n_reserve++], sizeof(c->reserve[0]), "%s", word);
}

static void parse_assignment(Config *c, const char *key, char *value, const char *filename, unsigned line) {
        char logbuf[NAME_LOG_BUF];

        if (streq(key, "mode")) {
                AliasMode m;

                if (mode_from_string(value, &m) < 0) {
                        log_warning("%s:%u: mode: unknown value '%s' (auto or off), using auto",
                                    filename, line, name_for_log(value, logbuf, sizeof(logbuf)));
                        m = MODE_AUTO;
                }
                c->mode = m;
                snprintf(c->mode_source, sizeof(c->mode_source), "%s:%u", filename, line);
        } else if (streq(key, "reserve")) {
                char *save = NULL;

                for (char *w = strtok_r(value, " \t", &save); w; w = strtok_r(NULL, " \t", &save))
                        add_reserved(c, w, filename, line);
        } else if (streq(key, "handover_timeout")) {
                char *end;
                double s;

                errno = 0;
                s = strtod(value, &end);
                if (errno != 0 || end == value || *end != '\0' || !isfinite(s) || s < HANDOVER_TIMEOUT_MIN_MS / 1000.0 ||
                    s > HANDOVER_TIMEOUT_MAX_MS / 1000.0) {
                        log_warning("%s:%u: handover_timeout: '%s' is not a number of seconds from %g to %u, using %u",
                                    filename, line, name_for_log(value, logbuf, sizeof(logbuf)),
                                    HANDOVER_TIMEOUT_MIN_MS / 1000.0, HANDOVER_TIMEOUT_MAX_MS / 1000,
                                    HANDOVER_TIMEOUT_DEFAULT_MS / 1000);
                        c->handover_timeout_ms = HANDOVER_TIMEOUT_DEFAULT_MS;
                        return;
                }
                c->handover_timeout_ms = (unsigned) (s * 1000 + 0.5);
        } else
                log_warning("%s:%u: unknown key '%s', ignoring it", filename, line,
                            name_for_log(key, logbuf, sizeof(logbuf)));
}

void config_parse(Config *c, FILE *f, const char *filename) {
        char buf[1024];
        unsigned line = 0;

        while (fgets(buf, sizeof(buf), f)) {
                char *s, *eq, *hash;
                size_t len = strlen(buf);

                line++;
                if (len == sizeof(buf) - 1 && buf[len - 1] != '\n' && !feof(f)) {
                        int ch;

                        log_warning("%s:%u: line longer than %zu characters, ignoring it", filename, line,
                                    sizeof(buf) - 2);
                        while ((ch = fgetc(f)) != EOF && ch != '\n')
                                ;
                        continue;
                }
                hash = strchr(buf, '#');
                if (hash)
                        *hash = '\0';
                s = strip(buf);
                if (*s == '\0')
                        continue;
                eq = strchr(s, '=');
                if (!eq) {
                        log_warning("%s:%u: expected 'key = value', ignoring the line", filename, line);
                        continue;
                }
                *eq = '\0';
                parse_assignment(c, strip(s), strip(eq + 1), filename, line);
        }
        if (ferror(f))
                log_warning("%s: read error, using what was read before it", filename);
}

void config_parse_cmdline(Config *c, const char *cmdline) {
        const char *p = cmdline;
        const size_t keylen = strlen(CMDLINE_MODE_KEY);

        while (*p) {
                char word[256], logbuf[NAME_LOG_BUF];
                size_t len;

                p += strspn(p, " \t\n");
                len = strcspn(p, " \t\n");
                if (len == 0)
                        break;
                if (len < sizeof(word) && len > keylen && strncmp(p, CMDLINE_MODE_KEY, keylen) == 0 &&
                    p[keylen] == '=') {
                        AliasMode m;

                        memcpy(word, p + keylen + 1, len - keylen - 1);
                        word[len - keylen - 1] = '\0';
                        if (mode_from_string(word, &m) < 0)
                                log_warning("kernel command line: %s=%s: unknown mode, ignoring it",
                                            CMDLINE_MODE_KEY, name_for_log(word, logbuf, sizeof(logbuf)));
                        else {
                                c->mode = m;
                                snprintf(c->mode_source, sizeof(c->mode_source), "kernel command line");
                        }
                }
                p += len;
        }
}

void config_load(Config *c) {
        _cleanup_fclose_ FILE *f = NULL;
        char path[PATH_MAX], cmdline[4096];
        int r;

        config_init(c);

        if (root_path(path, CONFIG_FILE) >= 0) {
                struct stat st;

                f = fopen(path, "re");
                if (!f) {
                        if (errno != ENOENT)
                                log_warning_errno(errno, "%s: cannot read: %m; using the defaults", CONFIG_FILE);
                } else if (fstat(fileno(f), &st) < 0 || !S_ISREG(st.st_mode))
                        log_warning("%s: not a regular file; using the defaults", CONFIG_FILE);
                else
                        config_parse(c, f, CONFIG_FILE);
        }

        if (root_path(path, "/proc/cmdline") < 0)
                return;
        r = read_line_file(path, cmdline, sizeof(cmdline));
        if (r >= 0)
                config_parse_cmdline(c, cmdline);
        else if (r != -ENOENT)
                log_debug_errno(r, "/proc/cmdline: cannot read: %m");
}

bool config_is_reserved(const Config *c, const char *disk) {
        for (size_t i = 0; i < c->n_reserve; i++)
                if (streq(c->reserve[i], disk))
                        return true;
        return false;
}
