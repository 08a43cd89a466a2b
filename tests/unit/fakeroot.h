/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

/* A fake machine under a temporary directory, for `ec2-xvd-alias --root`:
 * just the sysfs, /dev, /etc and /run files the helper reads. */
typedef struct FakeRoot {
        char dir[96];
        /* Run the helper in this process's namespaces, not in one where the
         * fake sys and run are /sys and /run (fakeroot_run): libudev then
         * cannot see the fake machine. */
        bool host_namespace;
} FakeRoot;

/* Root-only suites first call this: a private mount namespace and a nodev
 * tmpfs for every fake root after it, so the block nodes the tests make
 * (8:0, 202:0: real disks on most machines) can never be opened. */
int fakeroot_use_nodev_mount(void);

/* Whether fakeroot_run() can give the helper a mount namespace (root, or
 * an unprivileged user namespace): 0, or negative with the reason. */
int fakeroot_namespace_check(char *why, size_t size);

void fakeroot_init(FakeRoot *r);
void fakeroot_done(FakeRoot *r);

/* Writes a file (parents created) with the content. */
void fakeroot_write(FakeRoot *r, const char *path, const char *content);
void fakeroot_symlink(FakeRoot *r, const char *path, const char *target);
void fakeroot_mkdir(FakeRoot *r, const char *path);
void fakeroot_rm(FakeRoot *r, const char *path);
/* Reads a file's content (first 4 KiB), or NULL when missing. Static buffer. */
const char *fakeroot_read(FakeRoot *r, const char *path);
bool fakeroot_exists(FakeRoot *r, const char *path);
/* "node 8:0", "link xvda", "missing", "other" */
const char *fakeroot_describe(FakeRoot *r, const char *path);

/* A Xen disk (parent NULL) or partition, as xen-blkfront shows it. */
void fakeroot_add_xvd(FakeRoot *r, const char *name, unsigned major, unsigned minor, const char *parent);
/* A SCSI disk or partition; session > 0 puts it under an iSCSI session with
 * a target name, like iscsi_tcp does. lun is the L of H:C:T:L. */
void fakeroot_add_scsi(FakeRoot *r, const char *name, unsigned major, unsigned minor, const char *parent,
                       unsigned session, unsigned lun);
/* An NVMe namespace (parent NULL) or partition ("nvme1n1p2") of
 * controller nvme1. For a namespace, its Identify Controller data as the
 * test build reads it (run/ec2xa-test-identify/NAME): an EBS volume with the
 * mapping name, or with mapping NULL a QEMU controller. */
void fakeroot_add_nvme(FakeRoot *r, const char *name, unsigned major, unsigned minor, const char *parent,
                       const char *mapping);
/* A virtual block device (device-mapper, loop): /sys/devices/virtual/block. */
void fakeroot_add_virtual(FakeRoot *r, const char *name, unsigned major, unsigned minor);
/* The kernel's devtmpfs node, or udev's relative symlink. Nodes need root. */
void fakeroot_add_node(FakeRoot *r, const char *name, unsigned major, unsigned minor);
/* The ownership record of the node at /dev/NAME, as the helper writes it. */
void fakeroot_record_node(FakeRoot *r, const char *name);
/* A read-only tmpfs over a directory of the fake root (root only). */
void fakeroot_mount_readonly(FakeRoot *r, const char *path);
/* udev's database entry of a device, listing its links. */
void fakeroot_add_db_links(FakeRoot *r, unsigned major, unsigned minor, const char *links);

/* A stand-in for udevd, as a child process: when the helper sends xvd a
 * change uevent (writes "change UUID" to its sysfs uevent file), it removes
 * /dev/NAME and rewrites the xvd's database entry with remaining_links, as
 * udevd does when the xvd device's rules no longer give it NAME. */
pid_t fakeroot_udevd_standin(FakeRoot *r, const char *xvd, const char *name, unsigned major, unsigned minor,
                             const char *remaining_links);

/* udevd's control socket, /run/udev/control, as a bound socket nobody
 * reads: the helper takes udevd for running (and busy, unless a stand-in
 * plays its part). Without it, the helper knows no udevd runs. */
void fakeroot_udevd_listening(FakeRoot *r);

typedef struct HelperRun {
        int status; /* exit status, or 128+signal */
        char out[65536];
        char err[8192];
} HelperRun;

/* Runs the helper with --root and the arguments (NULL-terminated), in a
 * mount namespace of its own where the fake root's sys and run are bound
 * over /sys and /run, so that libudev reads the fake machine. */
void fakeroot_run(FakeRoot *r, HelperRun *ret, ...);

/* What 51-ec2-hvm-devices.rules and 99-ec2-xvd-alias-finish.rules do in
 * a real disk's event: `claim NAME`, and when it printed "finish DEADLINE
 * NAME..." and one of those names is still there (or it named none),
 * `claim-finish NAME DEADLINE` (the event's RUN). ret holds the claim's
 * stdout when no claim-finish ran (empty when one did, whose stdout must
 * be empty), both stderrs, and the exit status of the last. Whether
 * claim-finish ran. */
bool fakeroot_run_claim(FakeRoot *r, HelperRun *ret, const char *name);
#define FAKEROOT_RESULT_MAX 256
/* Whether a claim's stdout is exactly "finish DEADLINE[ NAME...]\n"; sets
 * *ret and names (the names, space-separated, or ""). */
bool fakeroot_claim_deadline(const char *out, unsigned long long *ret, char names[static FAKEROOT_RESULT_MAX]);

/* Makes the dynamic loader of every helper run after it log the objects it
 * loads (LD_DEBUG=files, into the fake root), or stops that. */
void fakeroot_trace_libraries(FakeRoot *r, bool on);
/* Whether a run since the last call loaded soname ("libudev.so.1"), linked
 * or dlopen()ed; the logs read are removed. */
bool fakeroot_traced_library(FakeRoot *r, const char *soname);
