#!/usr/bin/env python3
"""Sequential latency of GET requests over one keep-alive connection.

Usage: http_latency.py HOST:PORT TOKEN COUNT PATH [PATH ...]
Prints one line per path: `PATH<TAB>p50_ms<TAB>p99_ms<TAB>status`. The paths are
requested in turn, COUNT times each, after two warm-up requests; `status` is the HTTP
status of the last answer (anything but 200 makes the figure meaningless, and the
caller says so).
"""
import http.client
import sys
import time


def percentile(sorted_ms, p):
    if not sorted_ms:
        return float("nan")
    k = min(len(sorted_ms) - 1, max(0, round(p / 100 * len(sorted_ms) + 0.5) - 1))
    return sorted_ms[k]


def main():
    host, port = sys.argv[1].rsplit(":", 1)
    token, count, paths = sys.argv[2], int(sys.argv[3]), sys.argv[4:]
    headers = {"Authorization": f"Bearer {token}"} if token != "-" else {}
    conn = http.client.HTTPConnection(host, int(port), timeout=120)
    for path in paths:
        status, times = 0, []
        for i in range(count + 2):
            start = time.perf_counter()
            conn.request("GET", path, headers=headers)
            res = conn.getresponse()
            res.read()
            elapsed = (time.perf_counter() - start) * 1000
            status = res.status
            if i >= 2:
                times.append(elapsed)
        times.sort()
        print(f"{path}\t{percentile(times, 50):.2f}\t{percentile(times, 99):.2f}\t{status}")


if __name__ == "__main__":
    main()
