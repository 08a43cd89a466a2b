/* SPDX-License-Identifier: MIT */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fakeroot.h"
#include "suites.h"

/* Built three times: test-unit with every suite that needs no privilege,
 * test-root with the ones that create device nodes (mknod), which skips
 * with 77, meson's "skipped", when not run as root, and test-schema
 * (tests/schema), which skips when meson found no python3 with jsonschema. Under gdb or valgrind,
 * run with CK_FORK=no (the valgrind test setup does). */
int main(void) {
        char why[256];
        SRunner *sr;
        int failed;

#ifdef ROOT_SUITES
        if (geteuid() != 0) {
                fprintf(stderr, "SKIP: these suites create device nodes and need root\n");
                return 77;
        }
        if (fakeroot_use_nodev_mount() < 0) {
                fprintf(stderr, "SKIP: cannot make a private nodev tmpfs for the device nodes: %s\n", strerror(errno));
                return 77;
        }
        if (fakeroot_namespace_check(why, sizeof(why)) < 0) {
                fprintf(stderr, "SKIP: cannot give the helper a mount namespace with the fake /sys and /run: %s\n", why);
                return 77;
        }
        sr = srunner_create(handover_suite());
#elif defined(SCHEMA_SUITES)
        if (!getenv("EC2XA_PYTHON") || !*getenv("EC2XA_PYTHON")) {
                fprintf(stderr, "SKIP: no python3 with the jsonschema module (Debian: python3-jsonschema; "
                                "tests/setup-deps.sh build), then meson setup --reconfigure\n");
                return 77;
        }
        if (fakeroot_namespace_check(why, sizeof(why)) < 0) {
                fprintf(stderr, "SKIP: cannot give the helper a mount namespace with the fake /sys and /run: %s\n", why);
                return 77;
        }
        sr = srunner_create(schema_suite());
#else
        /* The helper asks libudev, which reads /sys and /run/udev: each run
         * needs a mount namespace where the fake root's are there. */
        if (fakeroot_namespace_check(why, sizeof(why)) < 0) {
                fprintf(stderr, "SKIP: cannot give the helper a mount namespace with the fake /sys and /run: %s\n", why);
                return 77;
        }
        sr = srunner_create(names_suite());
        srunner_add_suite(sr, config_suite());
        srunner_add_suite(sr, links_suite());
        srunner_add_suite(sr, status_suite());
        srunner_add_suite(sr, status_json_suite());
        srunner_add_suite(sr, nvme_suite());
        srunner_add_suite(sr, nitro_suite());
#endif
        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
