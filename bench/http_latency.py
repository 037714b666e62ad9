#!/usr/bin/env python3
"""Sequential latency of HTTP requests over one keep-alive connection.

Usage: http_latency.py HOST:PORT AUTHORIZATION COUNT REQUEST [REQUEST ...]
AUTHORIZATION is the whole header value ("Bearer …", "JWT …") or "-" for none. A
REQUEST is `PATH` (a GET) or `POST PATH JSON`, where `{n}` in the JSON is replaced by
the request's number so that every created record is distinct. Each request is sent
COUNT times after two warm-up requests. Prints one line per request:
`REQUEST<TAB>p50_ms<TAB>p99_ms<TAB>status`, where status is the first status that was
not 2xx, or that of the last answer.
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
    auth, count, requests = sys.argv[2], int(sys.argv[3]), sys.argv[4:]
    headers = {"Authorization": auth} if auth != "-" else {}
    conn = http.client.HTTPConnection(host, int(port), timeout=120)
    serial = int(time.time() * 1000)
    for request in requests:
        method, path, body = "GET", request, None
        if request.startswith("POST "):
            method, path, body = request.split(" ", 2)
        status, times = 0, []
        for i in range(count + 2):
            serial += 1
            data = body.replace("{n}", str(serial)).encode() if body else None
            hdrs = dict(headers, **({"Content-Type": "application/json"} if data else {}))
            start = time.perf_counter()
            conn.request(method, path, body=data, headers=hdrs)
            res = conn.getresponse()
            answer = res.read()
            elapsed = (time.perf_counter() - start) * 1000
            if status == 0 or 200 <= status <= 299:
                status = res.status
                if not 200 <= status <= 299:
                    print(f"{method} {path}: HTTP {status}: {answer[:500]!r}", file=sys.stderr)
            if i >= 2:
                times.append(elapsed)
        times.sort()
        print(f"{method} {path}\t{percentile(times, 50):.2f}\t{percentile(times, 99):.2f}\t{status}")


if __name__ == "__main__":
    main()
