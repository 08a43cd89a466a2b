#!/usr/bin/python3
"""Measure the handover latency of one SCSI disk inside the guest.

    latency.py NAME READYFILE RESULTFILE TIMEOUT

Listens to kernel uevents (netlink group 1) and udev events (group 2).
t0 = the kernel's "add" uevent of block device NAME; t1 = the first moment
/dev/NAME is the block node with the devnum of that uevent (polled every
millisecond or so); t2 = udev's "add" event of NAME (udevd finished it).
Writes "kernel_add_to_node_ms=... kernel_add_to_udev_add_ms=..." to
RESULTFILE. All times are CLOCK_MONOTONIC, taken at receipt here.
Started before the login, so READYFILE tells the caller it is listening.
"""
import os
import select
import socket
import stat
import sys
import time

NETLINK_KOBJECT_UEVENT = 15


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


def main():
    name, ready, result, timeout = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
    socks = []
    for group in (1, 2):
        s = socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM, NETLINK_KOBJECT_UEVENT)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
        s.bind((0, group))
        socks.append(s)
    with open(ready, "w") as f:
        f.write("ready\n")
    t0 = t1 = t2 = None
    want = None
    deadline = time.monotonic() + timeout
    path = "/dev/" + name
    while time.monotonic() < deadline:
        r, _, _ = select.select(socks, [], [], 0.001)
        for s in r:
            buf = s.recv(1 << 16)
            now = time.monotonic()
            p = props(buf)
            if p.get("SUBSYSTEM") != "block" or p.get("DEVNAME", "").split("/")[-1] != name:
                continue
            if p.get("ACTION") != "add":
                continue
            if s is socks[0] and t0 is None:
                t0 = now
                want = os.makedev(int(p["MAJOR"]), int(p["MINOR"]))
            elif s is socks[1] and t2 is None:
                t2 = now
        if t0 is not None and t1 is None:
            try:
                st = os.lstat(path)
                if stat.S_ISBLK(st.st_mode) and st.st_rdev == want:
                    t1 = time.monotonic()
            except OSError:
                pass
        if t0 is not None and t1 is not None and t2 is not None:
            break

    def ms(a):
        return "none" if a is None or t0 is None else "%.0f" % ((a - t0) * 1000)

    with open(result, "w") as f:
        f.write("kernel_add_seen=%s kernel_add_to_node_ms=%s kernel_add_to_udev_add_ms=%s\n"
                % ("yes" if t0 is not None else "no", ms(t1), ms(t2)))


if __name__ == "__main__":
    main()
