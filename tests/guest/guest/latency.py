#!/usr/bin/python3
"""Measure the handover latency of one SCSI disk inside the guest.

    latency.py NAME READYFILE RESULTFILE TIMEOUT [HOLDER]
    latency.py --change NAME READYFILE RESULTFILE TIMEOUT

Listens to kernel uevents (netlink group 1), udev events (group 2) and
inotify on /dev. t0 = the kernel's "add" uevent of block device NAME;
t1 = the first moment /dev/NAME is the block node with the devnum of that
uevent; t2 = udev's "add" event of NAME (udevd finished it). With HOLDER
(the xvd disk whose alias NAME was), also the holder's "change": the kernel
uevent (h0) and udev's event (h2), whose difference is what udev spent on
the holder's rules while the disk's add waited; h0 - t0 is how long the
disk's add took to send the holder its request (the rules before the
claim, the claim's start); and the last udev event of a change of one of
the holder's partitions (p2), which the claim also asked to yield.

Writes "kernel_add_seen=... kernel_add_to_node_ms=...
kernel_add_to_udev_add_ms=... [holder_change_ms=... holder_request_ms=...
parts_done_ms=...]" to RESULTFILE. All
times are CLOCK_MONOTONIC, taken at receipt here.

With --change, times one synthetic change of block device NAME instead:
from the kernel's "change" uevent that carries a SYNTH_UUID to udev's
event with the same SYNTH_UUID, and writes "change_ms=...".

Nothing here polls: /dev is checked when inotify reports a name created,
moved in or removed there, so the measurement takes no CPU from the udev
workers it measures (a 1 ms polling loop did, on a 2-vCPU TCG guest).
Started before the disk appears, so READYFILE tells the caller it is
listening.
"""
import ctypes
import os
import select
import socket
import stat
import sys
import time

NETLINK_KOBJECT_UEVENT = 15
IN_CREATE = 0x100
IN_DELETE = 0x200
IN_MOVED_TO = 0x80
IN_NONBLOCK = 0o4000
IN_CLOEXEC = 0o2000000


def props(buf):
    """KEY=VALUE fields of a kernel or libudev uevent message."""
    if buf.startswith(b"libudev\0"):
        # libudev header: fixed struct; properties start at offset given
        # by properties_off (u32 at byte 16), little/host endian.
        off = int.from_bytes(buf[16:20], sys.byteorder)
        body = buf[off:]
    else:
        body = buf.split(b"\0", 1)[1] if b"\0" in buf else b""
    out = {}
    for field in body.split(b"\0"):
        if b"=" in field:
            k, v = field.split(b"=", 1)
            out[k.decode(errors="replace")] = v.decode(errors="replace")
    return out


def inotify_dev():
    """A non-blocking inotify fd watching /dev for names appearing or going."""
    libc = ctypes.CDLL(None, use_errno=True)
    fd = libc.inotify_init1(IN_NONBLOCK | IN_CLOEXEC)
    if fd < 0:
        raise OSError(ctypes.get_errno(), "inotify_init1")
    if libc.inotify_add_watch(fd, b"/dev", IN_CREATE | IN_DELETE | IN_MOVED_TO) < 0:
        raise OSError(ctypes.get_errno(), "inotify_add_watch /dev")
    return fd


def is_node(path, want):
    try:
        st = os.lstat(path)
    except OSError:
        return False
    return stat.S_ISBLK(st.st_mode) and st.st_rdev == want


def listen():
    """The kernel (group 1) and udev (group 2) uevent sockets."""
    socks = []
    for group in (1, 2):
        s = socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM, NETLINK_KOBJECT_UEVENT)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
        s.bind((0, group))
        socks.append(s)
    return socks


def time_change(name, ready, result, timeout):
    socks = listen()
    with open(ready, "w") as f:
        f.write("ready\n")
    t0 = t2 = uuid = None
    deadline = time.monotonic() + timeout
    while t2 is None:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        r, _, _ = select.select(socks, [], [], left)
        for s in r:
            buf = s.recv(1 << 16)
            now = time.monotonic()
            p = props(buf)
            if p.get("SUBSYSTEM") != "block" or p.get("ACTION") != "change" or \
                    p.get("DEVNAME", "").split("/")[-1] != name or not p.get("SYNTH_UUID"):
                continue
            if s is socks[0] and t0 is None:
                t0, uuid = now, p["SYNTH_UUID"]
            elif s is socks[1] and t0 is not None and p["SYNTH_UUID"] == uuid:
                t2 = now
    ms = "none" if t0 is None or t2 is None else "%.0f" % ((t2 - t0) * 1000)
    with open(result, "w") as f:
        f.write("change_ms=%s\n" % ms)


def main():
    if sys.argv[1] == "--change":
        time_change(sys.argv[2], sys.argv[3], sys.argv[4], float(sys.argv[5]))
        return
    name, ready, result, timeout = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
    holder = sys.argv[5] if len(sys.argv) > 5 else None
    socks = listen()
    ino = inotify_dev()
    with open(ready, "w") as f:
        f.write("ready\n")
    t0 = t1 = t2 = h0 = h2 = p2 = None
    # the holder's partitions: their changes may end after the disk's add
    parts = set()
    if holder is not None and os.path.isdir("/sys/block/" + holder):
        parts = {e for e in os.listdir("/sys/block/" + holder)
                 if e.startswith(holder) and e[len(holder):].isdigit()}
    parts_seen = set()
    want = None
    deadline = time.monotonic() + timeout
    path = "/dev/" + name
    while True:
        left = (deadline if t2 is None else min(deadline, t2 + 5)) - time.monotonic()
        if left <= 0:
            break
        r, _, _ = select.select(socks + [ino], [], [], left)
        dev_changed = False
        for s in r:
            if s == ino:
                while True:
                    try:
                        if not os.read(ino, 65536):
                            break
                    except BlockingIOError:
                        break
                dev_changed = True
                continue
            buf = s.recv(1 << 16)
            now = time.monotonic()
            p = props(buf)
            if p.get("SUBSYSTEM") != "block":
                continue
            dev = p.get("DEVNAME", "").split("/")[-1]
            action = p.get("ACTION")
            if holder is not None and dev == holder and action == "change":
                if s is socks[0] and h0 is None and t0 is not None:
                    h0 = now
                elif s is socks[1] and h0 is not None and h2 is None:
                    h2 = now
                continue
            if holder is not None and dev.startswith(holder) and dev[len(holder):].isdigit() and \
                    action == "change" and s is socks[1] and h0 is not None:
                p2 = now
                parts_seen.add(dev)
                continue
            if dev != name or action != "add":
                continue
            if s is socks[0] and t0 is None:
                t0 = now
                want = os.makedev(int(p["MAJOR"]), int(p["MINOR"]))
                dev_changed = True  # devtmpfs may have made it already
            elif s is socks[1] and t2 is None:
                t2 = now
        if t0 is not None and t1 is None and dev_changed and is_node(path, want):
            t1 = time.monotonic()
        if t0 is not None and t1 is not None and t2 is not None:
            if h0 is None or parts_seen >= parts:
                break
    os.close(ino)

    def ms(a):
        return "none" if a is None or t0 is None else "%.0f" % ((a - t0) * 1000)

    line = "kernel_add_seen=%s kernel_add_to_node_ms=%s kernel_add_to_udev_add_ms=%s" % (
        "yes" if t0 is not None else "no", ms(t1), ms(t2))
    if holder is not None:
        hc = "none" if h0 is None or h2 is None else "%.0f" % ((h2 - h0) * 1000)
        line += " holder_change_ms=%s holder_request_ms=%s parts_done_ms=%s" % (hc, ms(h0), ms(p2))
    with open(result, "w") as f:
        f.write(line + "\n")


if __name__ == "__main__":
    main()
