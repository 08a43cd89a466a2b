/* SPDX-License-Identifier: MIT */
#pragma once

/* One writer per name. Every step that inspects /dev/NAME and then
 * creates, replaces or deletes it (and its record in node.h) holds the
 * name's lock from the inspection to the record: claim, recheck, release
 * and repair of one name run in different udev workers at once, and
 * without the lock two of them both find the node missing and both make
 * one, leaving a record of an inode that is gone. The lock is an flock()
 * on /run/ec2-xvd-alias/lock/NAME; it is held for microseconds (never
 * across a wait for udev), so taking it is bounded, and a helper that
 * cannot take it in time goes on without it (logged) rather than stall a
 * udev worker. */

typedef struct NameLock {
        int fd;
} NameLock;

#define NAME_LOCK_NULL ((NameLock) { .fd = -1 })

/* 0 with the lock held, or negative errno (logged) with no lock. */
int name_lock(const char *name, NameLock *ret);
void name_unlock(NameLock *l);
