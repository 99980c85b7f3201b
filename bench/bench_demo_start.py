"""Pressing "Start the run" on the demo: how long until the run's progress page is in the
browser, and the progress the page then follows while the background worker computes.

Start the demo first (``make demo``; any address with ``--url``), then

    python bench/bench_demo_start.py [--url http://127.0.0.1:8000] [--kind forecast]
                                     [--repeat 3]

Logs in as the demo administrator, posts the run's start form as the page does (following
the redirect to the run's page, as a browser would), and times from sending the form to
having the whole progress page. Then polls the page's progress address until the run has
finished and prints the progress seen. Not a test: figures go into the docs.
"""

from __future__ import annotations

import argparse
import re
import statistics
import time

import requests

PASSWORD = "demo-pass-2026"  # noqa: S105 -- the published demo password (DEBUG only)
FORMS = {
    "forecast": {"horizon": "3"},
    "portraits": {},
    "equalization": {},
}


def _csrf(html: str) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def _log_in(session: requests.Session, url: str) -> None:
    page = session.get(f"{url}/login/")
    response = session.post(
        f"{url}/login/",
        data={"username": "admin", "password": PASSWORD, "csrfmiddlewaretoken": _csrf(page.text)},
        headers={"Referer": f"{url}/login/"},
    )
    assert "sessionid" in session.cookies, f"login failed ({response.status_code})"


def _start(session: requests.Session, url: str, kind: str) -> tuple[float, int, str]:
    runs_url = f"{url}/analytics/runs/{kind}/"
    token = _csrf(session.get(runs_url).text)
    started = time.perf_counter()
    page = session.post(
        runs_url,
        data={**FORMS[kind], "csrfmiddlewaretoken": token},
        headers={"Referer": runs_url},
    )
    took = time.perf_counter() - started
    match = re.search(r"/analytics/runs/(\d+)/$", page.url)
    assert page.status_code == 200 and match, f"not on a run's page: {page.status_code} {page.url}"
    state = "progress page" if "data-progress-url" in page.text else "finished run's page"
    return took, int(match.group(1)), state


def _follow(session: requests.Session, url: str, run_id: int) -> None:
    seen: list[str] = []
    began = time.perf_counter()
    while True:
        state = session.get(f"{url}/analytics/runs/{run_id}/progress/").json()
        step = f"{state['status']} {state['progress']}%"
        if not seen or seen[-1] != step:
            seen.append(step)
            print(f"    {time.perf_counter() - began:6.1f} s  {step} {state['progress_message']}")
        if state["finished"]:
            return
        time.sleep(0.5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--kind", default="forecast", choices=sorted(FORMS))
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    url = args.url.rstrip("/")
    session = requests.Session()
    _log_in(session, url)
    times = []
    for _ in range(args.repeat):
        took, run_id, state = _start(session, url, args.kind)
        times.append(took)
        print(f"run #{run_id}: Start -> {state} in {took * 1000:.0f} ms")
        _follow(session, url, run_id)
    print(
        f"{args.kind}: Start -> run page, {len(times)} runs: "
        f"median {statistics.median(times) * 1000:.0f} ms, max {max(times) * 1000:.0f} ms"
    )


if __name__ == "__main__":
    main()
