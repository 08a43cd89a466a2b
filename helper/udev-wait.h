/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

struct udev;
struct udev_monitor;

/* Waiting, bounded, for udevd to have acted: on the udev monitor (the event
 * with our SYNTH_UUID was processed) and on inotify of /dev (a link went
 * away). libudev (udev-dl.h) is dlopen()ed only while a handover waits:
 * linking it would slow down every udev event that runs the helper. */
typedef struct Waiter {
        struct udev *udev;
        struct udev_monitor *monitor;
        int inotify_fd;
} Waiter;

#define WAITER_NULL ((Waiter) { .inotify_fd = -1 })

/* A wait that ends on the state (a done() that can hold: an alias gone)
 * opens it after its uevents are sent, so that loading libudev never delays
 * them: done() is looked at before every sleep, and an event udev finished
 * before the monitor listened costs only the early end (1) of a wait whose
 * state never comes. A wait that only the monitor can end (done() never
 * holds) opens it before, so its result cannot be missed. Both sources are
 * optional (no netlink in a test namespace, no inotify on an odd /dev): the
 * state is re-checked every 100 ms anyway. Without `monitor` (a wait for
 * /dev alone, no UUIDs), libudev is not loaded. */
void waiter_open(Waiter *w, bool monitor);
void waiter_done(Waiter *w);
static inline bool waiter_has_monitor(const Waiter *w) {
        return w->monitor;
}

typedef bool (*WaitDoneFn)(void *userdata);

/* Waits until done() holds (0), or udevd has processed the events with each
 * of the n UUIDs and done() still does not hold (1), or the time is up
 * (-ETIMEDOUT). uuids may be NULL (n 0): then only done() or the time end it. */
int waiter_wait(Waiter *w, char (*uuids)[37], size_t n, WaitDoneFn done, void *userdata, unsigned timeout_ms);

/* The clock every bounded wait is measured on. */
static inline uint64_t now_ms(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000 + (uint64_t) ts.tv_nsec / 1000000;
}

/* Whether udevd listens: without it, nobody runs the rules of our uevents. */
bool udevd_running(void);
