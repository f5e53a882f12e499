"""What a Token Status List costs at national scale: 40 million credentials, 1 % of them revoked.

What is measured
----------------
* **build**: a 2-bit :class:`pctf.statuslist.StatusList` of 40,000,000 entries (a 10 MB byte
  array) and 400,000 random indexes set to INVALID (0x01), through ``StatusList.set``.
* **compress**: ``StatusList.encode()``: ZLIB at level 9 then base64url (section 4.1 of
  draft-ietf-oauth-status-list), and the sizes it gives.
* **sign**: the ES256 signature of the ``statuslist+jwt`` over that payload (the rest of
  ``sign_token``).
* **verifier, once per ttl**: ``verify_token`` on the token text (parse, header checks,
  signature, base64url decode, decompress), and the same preceded by a real HTTP fetch over
  loopback through ``HttpStatusSource`` (a stdlib server in a thread serving the token as
  ``application/statuslist+jwt``).
* **verifier, per credential once cached**: ``StatusList.get(idx)`` on the decoded list, and
  ``StatusResolver.status(ref, keys)`` on a warm cache, which is what the verification engine
  calls for each presented credential (freshness and key checks included), at random indexes.

The indexes are drawn with a seeded PRNG so runs are comparable; the issuers draw theirs with
``secrets``. Timings are wall-clock medians of several runs for the one-off steps; per-lookup
figures divide one timed loop by its length (loop overhead included, as a caller pays it).

Run:  . .venv/bin/activate && python bench/status_list_bench.py [--entries 40000000] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import statistics
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx

from pctf import statuslist
from pctf.clock import FrozenClock
from pctf.jose import generate_key
from pctf.statuslist import HttpStatusSource, StatusList, StatusReference, StatusResolver

URI = "https://issuers.example.ca/issuers/prov1/status-lists/1"


def timed(fn: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def median_time(fn: Callable[[], object], runs: int) -> float:
    return statistics.median(timed(fn)[0] for _ in range(runs))


class _Served:
    """A StatusSource answering with one token, for the warm-resolver measurement."""

    def __init__(self, token: str) -> None:
        self.token = token

    def status_list_token(self, uri: str) -> str:
        return self.token


def serve(token: str) -> tuple[ThreadingHTTPServer, str]:
    body = token.encode("ascii")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", statuslist.MEDIA_TYPE)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/issuers/prov1/status-lists/1"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--entries", type=int, default=40_000_000, help="credentials in the list")
    ap.add_argument("--revoked", type=float, default=0.01, help="share of them revoked")
    ap.add_argument("--bits", type=int, default=2, choices=statuslist.ALLOWED_BITS)
    ap.add_argument("--lookups", type=int, default=1_000_000, help="random lookups timed on the decoded list")
    ap.add_argument("--runs", type=int, default=5, help="runs of each one-off step (median reported)")
    ap.add_argument("--seed", type=int, default=2025)
    ap.add_argument("--json", action="store_true", help="print machine-readable figures only")
    args = ap.parse_args(argv)
    rng = random.Random(args.seed)
    n_revoked = round(args.entries * args.revoked)
    key = generate_key()
    now = int(time.time())
    ttl = 300

    revoked = rng.sample(range(args.entries), n_revoked)

    def build() -> StatusList:
        sl = StatusList(args.entries, args.bits)
        for idx in revoked:
            sl.set(idx, statuslist.INVALID)
        return sl

    build_s, status_list = timed(build)
    compress_s, encoded = timed(status_list.encode)
    payload = {"sub": URI, "iat": now, "exp": now + ttl + 60, "ttl": ttl, "status_list": encoded}
    sign_s = median_time(lambda: key.sign(payload, typ=statuslist.TYP), args.runs)
    token = key.sign(payload, typ=statuslist.TYP)
    lst_bytes = len(statuslist.b64u_decode(encoded["lst"]))

    keys = [key.public_jwk]
    verify_s = median_time(lambda: statuslist.verify_token(token, keys, uri=URI, now=now), args.runs)
    decoded = statuslist.verify_token(token, keys, uri=URI, now=now).status_list
    assert decoded.to_bytes() == status_list.to_bytes()
    assert all(decoded.get(i) == statuslist.INVALID for i in revoked[:1000])

    server, url = serve(token)
    try:
        with httpx.Client(timeout=30) as http:
            source = HttpStatusSource(http)
            source.status_list_token(url)  # connection warm-up
            fetch_only_s = median_time(lambda: source.status_list_token(url), args.runs)
            fetch_verify_s = median_time(
                lambda: statuslist.verify_token(source.status_list_token(url), keys, uri=URI, now=now), args.runs
            )
    finally:
        server.shutdown()

    probe = [rng.randrange(args.entries) for _ in range(args.lookups)]
    get = decoded.get
    start = time.perf_counter()
    hits = 0
    for idx in probe:
        hits += get(idx) == statuslist.INVALID
    get_ns = (time.perf_counter() - start) / len(probe) * 1e9

    resolver = StatusResolver(_Served(token), FrozenClock(datetime.fromtimestamp(now, UTC)))
    refs = [StatusReference(idx, URI) for idx in probe[:200_000]]
    resolver.status(refs[0], keys)  # fetch, verify, decode, cache
    start = time.perf_counter()
    for ref in refs:
        resolver.status(ref, keys)
    resolver_ns = (time.perf_counter() - start) / len(refs) * 1e9

    peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux
    figures = {
        "entries": args.entries,
        "bits": args.bits,
        "revoked": n_revoked,
        "raw_bytes": len(status_list.to_bytes()),
        "compressed_bytes": lst_bytes,
        "lst_chars": len(encoded["lst"]),
        "token_bytes": len(token),
        "build_s": build_s,
        "compress_s": compress_s,
        "sign_s": sign_s,
        "verify_decode_s": verify_s,
        "fetch_only_s": fetch_only_s,
        "fetch_verify_decode_s": fetch_verify_s,
        "lookup_get_ns": get_ns,
        "lookup_resolver_ns": resolver_ns,
        "revoked_share_seen": hits / len(probe),
        "peak_rss_mb": peak_rss_mb,
        "environment": {"python": platform.python_version(), "cpus": os.cpu_count(), "machine": platform.machine()},
    }
    if args.json:
        print(json.dumps(figures, indent=2))
        return 0
    print(
        f"Token Status List: {args.entries:,} credentials, {args.bits} bits each, {n_revoked:,} revoked "
        f"({args.revoked:.2%}, random indexes); Python {platform.python_version()}, {os.cpu_count()} CPUs"
    )
    print(
        f"  size      raw {figures['raw_bytes'] / 1e6:.1f} MB -> ZLIB {lst_bytes / 1e3:,.1f} kB "
        f"-> lst {len(encoded['lst']) / 1e3:,.1f} kB -> signed token {len(token) / 1e3:,.1f} kB"
    )
    print(
        f"  issuer    build (set {n_revoked:,} entries) {build_s:6.2f} s   compress {compress_s:6.2f} s   "
        f"sign {sign_s * 1e3:7.1f} ms"
    )
    print(
        f"  verifier  verify + decompress {verify_s * 1e3:7.1f} ms   fetch over loopback HTTP "
        f"{fetch_only_s * 1e3:6.1f} ms   fetch + verify + decompress {fetch_verify_s * 1e3:7.1f} ms   (once per ttl)"
    )
    print(
        f"  verifier  per credential, list cached: StatusList.get {get_ns:6.0f} ns   "
        f"StatusResolver.status {resolver_ns / 1e3:5.2f} us   (revoked share seen {hits / len(probe):.3%})"
    )
    print(f"  memory    peak RSS {peak_rss_mb:,.0f} MB (list, its copy when decoded, the token and the test data)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
