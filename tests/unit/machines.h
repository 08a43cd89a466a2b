/* SPDX-License-Identifier: MIT */
#pragma once

#include "fakeroot.h"

/* Whole fake machines, the same in the exact-output tests of
 * `status --json` (test-status-json.c) and the schema test
 * (tests/schema/test-schema.c). Each starts from a fresh fakeroot_init()
 * and adds the Xen disks xvda, xvda1 (202:0, 202:1) and xvdf (202:80). */

/* ec2-xvd-alias's rule, every alias in place: nothing to report. */
void machine_clean(FakeRoot *r);
/* The stock rule in force at boot made /dev/sda and /dev/sda1 links to
 * xvda and xvda1, then an iSCSI login named its LUN sda: two collisions. */
void machine_stock_collision(FakeRoot *r);
/* ec2-xvd-alias's rule, no collision, and /dev/sdf named in fstab, a
 * mount unit and the mount table: warnings only. */
void machine_names_in_use(FakeRoot *r);
/* Names an attacker can choose, in every string status reports: a /dev
 * entry's symlink target, a filesystem label, a unit file's name, an iSCSI
 * target name; with quotes, backslashes, control characters, bytes that
 * are not UTF-8, C1 controls, U+2028 and well-formed non-ASCII. */
void machine_hostile(FakeRoot *r);
/* Nitro, no Xen disk: a root nvme0n1 mapped sda1 with partition 1, a data
 * volume nvme1n1 mapped sdf, one mapped xvdg, udev's database as our
 * rules leave it, no collision. The EBS identity comes from files, which
 * only a test build (-Dtest_identify_dir) reads; elsewhere status sees no
 * EBS volume on it. */
void machine_nitro(FakeRoot *r);
