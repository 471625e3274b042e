#!/usr/bin/env python3
"""Where the threads of a process wait in the kernel: samples /proc/PID/task/TID/stack (root only)
of every process whose command line contains PATTERN, for SECONDS, and prints the most frequent
kernel stacks, innermost frame first. Idle waits (futex, epoll, poll, sleep, accept, socket reads)
are left out unless they hold RTNL. An off-CPU profile without perf or BPF: it found the netfilter
socket closes that serialised concurrent teardown (docs/benchmarks.md, sixth session).

Usage: bench/kernel-waits.py PATTERN SECONDS [TOP]
  e.g. while bench/pods.sh runs:  bench/kernel-waits.py cni4j-daemon 15
"""
import collections
import os
import re
import sys
import time

IDLE = ('futex_wait', 'futex_do_wait', 'ep_poll', 'do_epoll_wait', 'do_sys_poll', 'do_nanosleep',
        'hrtimer_nanosleep', 'inet_csk_accept', 'unix_accept', 'unix_stream_read', 'do_select',
        'proc_pid_stack')


def matching_pids(pattern):
    pids = []
    for p in os.listdir('/proc'):
        if not p.isdigit():
            continue
        try:
            with open(f'/proc/{p}/cmdline', 'rb') as f:
                if pattern in f.read():
                    pids.append(p)
        except OSError:
            pass
    return pids


def stack(pid, tid):
    try:
        with open(f'/proc/{pid}/task/{tid}/stack') as f:
            lines = f.read().strip().split('\n')
    except OSError:
        return None
    frames = [re.sub(r'\+0x.*', '', l.split('] ', 1)[1]) for l in lines if '] ' in l]
    return ' < '.join(frames[:8]) if frames else None


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    pattern, seconds = sys.argv[1].encode(), float(sys.argv[2])
    top = int(sys.argv[3]) if len(sys.argv) > 3 else 20
    counts, rounds, pids, listed = collections.Counter(), 0, [], 0.0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if time.monotonic() - listed > 0.5:  # short-lived processes (plugin execs) come and go
            pids, listed = matching_pids(pattern), time.monotonic()
        for pid in pids:
            try:
                tids = os.listdir(f'/proc/{pid}/task')
            except OSError:
                continue
            for tid in tids:
                s = stack(pid, tid)
                if s and ('rtnl' in s or not any(w in s for w in IDLE)):
                    counts[s] += 1
        rounds += 1
        time.sleep(0.002)
    print(f'{rounds} rounds of samples; stacks seen in most rounds first')
    for s, n in counts.most_common(top):
        print(n, s)


if __name__ == '__main__':
    main()
