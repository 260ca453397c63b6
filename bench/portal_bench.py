"""`make bench` rows for the portal: 200 concurrent readers fetching pages.

The same release is served by a plain static server (Python's http.server) and by the portal
(a real hub + proxy + portal on loopback, readers logged in through the hub), in the same run:
compare the ratio, not the seconds. Goal: the portal at least half the static server's
throughput, p99 under 50 ms. The client is one asyncio process with keep-alive connections.
"""

import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "hub_config"))

# Python's own static server, HTTP/1.1 keep-alive, a backlog for 200 readers, no request log
STATIC = (
    "import functools, http.server, sys\n"
    "class H(http.server.SimpleHTTPRequestHandler):\n"
    "    protocol_version = 'HTTP/1.1'\n"
    "    def log_message(self, *a): pass\n"
    "class S(http.server.ThreadingHTTPServer):\n"
    "    request_queue_size = 1024\n"
    "handler = functools.partial(H, directory=sys.argv[2])\n"
    "S(('127.0.0.1', int(sys.argv[1])), handler).serve_forever()\n"
)
READERS = 200
REQUESTS = 6000  # per server
PAGES = ["ro/", "ro/dashboards.html", "en/index.html", "ro/counties/cj.html",
         "ro/counties/b.html", "en/counties/ct.html", "ro/methodology.html",
         "assets/site.css", "ro/markets/drugs_cocaine.html", "en/downloads.html"]  # fmt: skip


def make_site(home: Path) -> None:
    """A release over a small hand-made run: every county, two years."""
    from analysis.catalog import Catalog
    from analysis.reference.counties import BY_CODE
    from analysis.results import write_results
    from analysis.site.releases import publish

    run = home / "results" / "bench"
    rows = [
        {"county": c, "year": y, "cases": 10 + i, "population": 300_000,
         "county_name": BY_CODE[c].name}
        for i, c in enumerate(sorted(BY_CODE))
        for y in (2024, 2025)
    ]  # fmt: skip
    rates = pl.DataFrame(rows).with_columns(rate=pl.col("cases") / 3.0)
    rates = rates.with_columns(rate_low=pl.col("rate") * 0.8, rate_high=pl.col("rate") * 1.2)
    headline = {"latest_year": 2025, "year_from": 2024, "cases_latest_year": 1000,
                "national_rate_latest_year": 4.2, "top_county": "Cluj", "top_county_rate": 9.1,
                "cases_total": 2000}  # fmt: skip
    write_results(run / "case_rates", {"case_rates": rates}, {}, headline)
    record = {"run_id": "bench", "parameters": {}, "snapshots": {}}
    (run / "run.json").write_text(json.dumps(record))
    publish(Catalog(home), run)


async def _reader(host, port, paths, headers, count, latencies, errors):
    reader = writer = None
    for i in range(count):
        path = paths[i % len(paths)]
        request = f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n{headers}\r\n".encode()
        start = time.perf_counter()
        for attempt in range(2):
            try:
                if writer is None:
                    reader, writer = await asyncio.open_connection(host, port)
                writer.write(request)
                status_line = await reader.readline()
                if not status_line:
                    raise ConnectionError("closed")
                head = {}
                while (line := await reader.readline()) not in (b"\r\n", b""):
                    name, _, value = line.decode("latin-1").partition(":")
                    head[name.strip().lower()] = value.strip()
                if "content-length" in head:
                    await reader.readexactly(int(head["content-length"]))
                else:
                    await reader.read()
                if int(status_line.split()[1]) != 200:
                    errors.append(status_line)
                if head.get("connection", "").lower() == "close" or b"HTTP/1.0" in status_line:
                    writer.close()
                    writer = None
                break
            except (ConnectionError, asyncio.IncompleteReadError):
                writer = None
                if attempt:
                    errors.append(b"connection")
        latencies.append(time.perf_counter() - start)
    if writer is not None:
        writer.close()


async def _load(port: int, prefix: str, cookie: str | None) -> tuple[float, list[float], list]:
    headers = f"Cookie: {cookie}\r\n" if cookie else ""
    paths = [prefix + p for p in PAGES]
    latencies: list[float] = []
    errors: list = []
    each = REQUESTS // READERS
    start = time.perf_counter()
    await asyncio.gather(
        *(_reader("127.0.0.1", port, paths[i % 3 :] + paths[: i % 3], headers, each,
                  latencies, errors) for i in range(READERS))
    )  # fmt: skip
    return time.perf_counter() - start, latencies, errors


def measure(name: str, port: int, prefix: str, cookie: str | None = None) -> dict:
    asyncio.run(_load(port, prefix, cookie))  # warm-up: caches, connections
    seconds, latencies, errors = asyncio.run(_load(port, prefix, cookie))
    latencies.sort()
    return {
        "name": name,
        "rps": len(latencies) / seconds,
        "p50": latencies[len(latencies) // 2] * 1000,
        "p99": latencies[int(len(latencies) * 0.99)] * 1000,
        "errors": len(errors),
    }


def main() -> None:
    from nocta_hub import testing

    if os.geteuid() != 0:
        sys.exit("portal bench: the hub runs as root")
    port = testing.free_port()
    command = [sys.executable, "-m", "analysis.portal", "serve"]
    hub = testing.start_hub(
        {"reader": ["portal-readers"]},
        settings={
            "portal": {"enabled": True, "url": f"http://127.0.0.1:{port}", "command": command}
        },
        seed=make_site,
    )
    static = None
    try:
        static_port = testing.free_port()
        static = subprocess.Popen(
            [sys.executable, "-c", STATIC, str(static_port), str(hub.home / "site" / "current")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        session = hub.login("reader")
        deadline = time.monotonic() + 30
        while session.get(f"{hub.url}services/portal/ro/").status_code != 200:
            if time.monotonic() > deadline:
                raise TimeoutError(f"the portal did not serve the reader:\n{hub.log_tail()}")
            time.sleep(0.2)
        cookie = "; ".join(f"{c.name}={c.value}" for c in session.cookies)
        proxy_port = int(hub.url.rsplit(":", 1)[1].strip("/"))
        rows = [
            measure("static server (http.server, threads)", static_port, "/"),
            measure("portal, direct", port, "/services/portal/", cookie),
            measure("portal, through the hub's proxy", proxy_port, "/services/portal/", cookie),
        ]
    finally:
        if static is not None:
            static.terminate()
            static.wait(10)
        testing.stop_hub(hub)
    base = rows[0]["rps"]
    print(f"\nportal: {READERS} concurrent readers, {REQUESTS} page requests per server")
    print(f"{'server':<36} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'errors':>6}  ratio")
    for r in rows:
        ratio = f"{r['rps'] / base:4.2f}x the static server's throughput"
        cells = f"{r['rps']:8.0f} {r['p50']:7.1f} {r['p99']:7.1f} {r['errors']:6d}"
        print(f"{r['name']:<36} {cells}  {ratio}")
    print("(goal: the portal, direct, at least 0.5x the static server's throughput, p99 < 50 ms;")
    print(" readers here never pause, so latency is queueing: about readers / throughput)")


if __name__ == "__main__":
    main()
