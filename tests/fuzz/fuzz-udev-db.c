/* SPDX-License-Identifier: MIT */
/* udev's database reader (helper/probe.c): the input is the database entry
 * <root>/run/udev/data/b8:0 of the device whose sysfs "dev" says 8:0.
 * - udev_db_foreach_link() must report exactly the "S:" lines, in order,
 *   without the "S:" (checked when the input has no NUL byte and no line too
 *   long for the reader's buffer; every input must still be read safely);
 * - a callback's non-zero return stops the walk and is returned;
 * - udev_db_has_link() and udev_db_name_has_link() agree with the walk. */
#include <limits.h>
#include <string.h>
#include <sys/sysmacros.h>

#include "fuzz.h"
#include "helper/macro.h"
#include "helper/probe.h"

#define DB_FILE "run/udev/data/b8:0"
/* The reader's line buffer is PATH_MAX + 8: a line of up to this many
 * characters (newline excluded) is read whole. */
#define LINE_MAX_WHOLE (PATH_MAX + 6)

typedef struct Walk {
        char **links;
        size_t n, stop_at;
} Walk;

static int collect(const char *link, void *userdata) {
        Walk *w = userdata;

        w->links = realloc(w->links, (w->n + 1) * sizeof(char *));
        fuzz_check(w->links);
        w->links[w->n] = strdup(link);
        fuzz_check(w->links[w->n]);
        w->n++;
        return w->n == w->stop_at ? 42 : 0;
}

static void walk_done(Walk *w) {
        for (size_t i = 0; i < w->n; i++)
                free(w->links[i]);
        free(w->links);
}

/* Whether the oracle below applies: no NUL, no line over LINE_MAX_WHOLE. */
static int simple_input(const uint8_t *data, size_t size) {
        size_t len = 0;

        if (memchr(data, '\0', size))
                return 0;
        for (size_t i = 0; i < size; i++) {
                if (data[i] == '\n')
                        len = 0;
                else if (++len > LINE_MAX_WHOLE)
                        return 0;
        }
        return 1;
}

/* The expected walk: every line that starts with "S:". */
static void check_links(const uint8_t *data, size_t size, const Walk *w) {
        size_t k = 0, i = 0;

        while (i < size) {
                const uint8_t *nl = memchr(data + i, '\n', size - i);
                size_t len = nl ? (size_t) (nl - (data + i)) : size - i;

                if (len >= 2 && data[i] == 'S' && data[i + 1] == ':') {
                        fuzz_check(k < w->n);
                        fuzz_check(strlen(w->links[k]) == len - 2);
                        fuzz_check(memcmp(w->links[k], data + i + 2, len - 2) == 0);
                        k++;
                }
                i += len + 1;
        }
        fuzz_check(k == w->n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_(walk_done) Walk all = {}, part = {};
        int r, has;

        fuzz_write_file("sys/class/block/x/dev", (const uint8_t *) "8:0\n", 4);
        fuzz_write_file(DB_FILE, data, size);

        fuzz_log_begin();
        r = udev_db_foreach_link(makedev(8, 0), collect, &all);
        fuzz_log_end();
        fuzz_check(r == 0);
        if (simple_input(data, size))
                check_links(data, size, &all);

        /* Stop at a link the input picks. */
        if (all.n > 0) {
                part.stop_at = 1 + (size > 0 ? data[size - 1] : 0) % all.n;
                fuzz_check(udev_db_foreach_link(makedev(8, 0), collect, &part) == 42);
                fuzz_check(part.n == part.stop_at);
                for (size_t i = 0; i < part.n; i++)
                        fuzz_check(streq(part.links[i], all.links[i]));

                /* Every reported link is found by both lookups. */
                for (size_t i = 0; i < all.n; i += 1 + all.n / 8) {
                        fuzz_check(udev_db_has_link(makedev(8, 0), all.links[i]) == 1);
                        fuzz_check(udev_db_name_has_link("x", all.links[i]) == 1);
                }
        }

        /* A link that no walk reported is found by neither. */
        has = 0;
        for (size_t i = 0; i < all.n; i++)
                has |= streq(all.links[i], "disk/by-fuzz/none");
        fuzz_check(udev_db_has_link(makedev(8, 0), "disk/by-fuzz/none") == has);
        fuzz_check(udev_db_name_has_link("x", "disk/by-fuzz/none") == has);
        /* No database entry at all: no links, no error. */
        fuzz_check(udev_db_has_link(makedev(8, 1), "disk/by-fuzz/none") == 0);
        return 0;
}
