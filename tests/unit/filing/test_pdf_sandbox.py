"""The sandboxed PDF inspector: time and memory bounds, worker replacement, threads."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from support.pdf_corpus import CORPUS, long_brief, text_1_page, text_10_pages

from services.filing.pdf_report import TOO_COMPLEX, PdfLimits
from services.filing.pdf_sandbox import PdfInspector

# Hostile structure is refused in a few seconds on an idle machine; 2 cores shared by several
# test runs can make that 10 times slower.
TIMEOUT = 30.0


@pytest.fixture(scope="module")
def inspector() -> Iterator[PdfInspector]:
    with PdfInspector(workers=2, limits=PdfLimits(base_seconds=TIMEOUT)) as pool:
        yield pool


def _pid_gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    # A killed child may linger as a zombie until reaped; that is gone for our purpose.
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().split()[2] == "Z"


def test_the_whole_corpus_from_8_threads_at_once(inspector: PdfInspector) -> None:
    names = list(CORPUS)
    payloads = {name: CORPUS[name].make() for name in names}
    with ThreadPoolExecutor(max_workers=8) as threads:
        reports = dict(
            zip(names, threads.map(lambda n: inspector.inspect(payloads[n]), names), strict=True)
        )
    for name, report in reports.items():
        item = CORPUS[name]
        assert report.codes == (() if item.expected is None else (item.expected,)), name
        if item.pages is not None:
            assert report.pages == item.pages, name
        assert report.size_bytes == len(payloads[name])


def test_many_threads_share_two_workers(inspector: PdfInspector) -> None:
    data = text_10_pages()
    errors: list[BaseException] = []
    results = []

    def file_some() -> None:
        try:
            for _ in range(5):
                results.append(inspector.inspect(data))
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=file_some) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
    assert len(results) == 40
    assert all(r.ok and r.pages == 10 for r in results)
    assert len(inspector.worker_pids()) == 2


def test_bomb_is_refused_within_the_timeout(inspector: PdfInspector) -> None:
    for name in ("bomb_flate_content", "bomb_content_array"):
        started = time.monotonic()
        report = inspector.inspect(CORPUS[name].make())
        assert report.codes == ("pdf_malformed",)
        assert time.monotonic() - started < TIMEOUT  # refused by pypdf's limits, long before
    assert inspector.inspect(text_1_page()).ok


def test_a_hang_is_killed_at_the_timeout_and_the_pool_keeps_serving() -> None:
    # With the page limit lifted, checking 200k pages takes pypdf many seconds: a "hang".
    slow = CORPUS["huge_page_tree"].make()
    limits = PdfLimits(max_pages=10**6, base_seconds=1.0)
    with PdfInspector(workers=1, limits=limits) as pool:
        assert pool.inspect(text_1_page()).ok  # the worker is up
        (before,) = pool.worker_pids()
        started = time.monotonic()
        report = pool.inspect(slow)
        elapsed = time.monotonic() - started
        assert report.codes == ("pdf_too_complex",)
        assert report.findings[0].message == TOO_COMPLEX
        assert report.size_bytes == len(slow)
        assert 1.0 <= elapsed < 7.0  # 2 x the base in wall time while parsing, grace, kill
        assert _pid_gone(before)
        (after,) = pool.worker_pids()
        assert after != before
        good = pool.inspect(text_10_pages())
        assert good.ok and good.pages == 10


def test_running_out_of_memory_kills_only_that_check() -> None:
    # Lift pypdf's decoding limit so the 1.1 GiB bomb really allocates: RLIMIT_AS stops it.
    limits = PdfLimits(max_stream_bytes=2**31)
    with PdfInspector(workers=1, memory_bytes=256 * 2**20, limits=limits) as pool:
        assert pool.inspect(text_1_page()).ok
        (before,) = pool.worker_pids()
        report = pool.inspect(CORPUS["bomb_flate_content"].make())
        assert report.codes == ("pdf_too_complex",)
        assert report.findings[0].message == TOO_COMPLEX
        assert pool.worker_pids() != [before]
        assert pool.inspect(text_10_pages()).ok


def test_a_worker_killed_from_outside_while_idle_is_replaced(inspector: PdfInspector) -> None:
    assert inspector.inspect(text_1_page()).ok
    for pid in inspector.worker_pids():
        os.kill(pid, signal.SIGKILL)
    time.sleep(0.1)
    for _ in range(3):
        report = inspector.inspect(text_10_pages())
        assert report.ok and report.pages == 10
    assert len(inspector.worker_pids()) == 2


def test_a_worker_killed_mid_check_is_retried_on_a_fresh_one() -> None:
    data = CORPUS["page_count_lie"].make()  # about a second of pypdf work
    with PdfInspector(workers=1, limits=PdfLimits(base_seconds=60)) as pool:
        assert pool.inspect(text_1_page()).ok
        (pid,) = pool.worker_pids()
        killer = threading.Timer(0.3, os.kill, (pid, signal.SIGKILL))
        killer.start()
        report = pool.inspect(data)
        killer.join()
        # The answer is the file's own, from the second worker: not "too complex".
        assert report.codes == ("pdf_malformed",)
        assert report.findings[0].message != TOO_COMPLEX
        assert pool.worker_pids() != [pid]


def test_cheap_refusals_do_not_reach_a_worker() -> None:
    with PdfInspector(workers=1, limits=PdfLimits(max_file_bytes=100)) as pool:
        (pid,) = pool.worker_pids()
        os.kill(pid, signal.SIGSTOP)  # a stopped worker would hang any check sent to it
        try:
            assert pool.inspect(b"x" * 101).codes == ("too_large",)
            assert pool.inspect(b"<html></html>").codes == ("not_pdf",)
        finally:
            os.kill(pid, signal.SIGCONT)


def test_a_stopped_worker_that_never_reads_is_killed_at_the_timeout() -> None:
    big = CORPUS["huge_page_tree"].make()  # far more than a pipe buffer: send_bytes blocks
    with PdfInspector(workers=1, limits=PdfLimits(base_seconds=1.0)) as pool:
        assert pool.inspect(text_1_page()).ok
        (pid,) = pool.worker_pids()
        os.kill(pid, signal.SIGSTOP)
        started = time.monotonic()
        report = pool.inspect(big)
        assert report.codes == ("pdf_too_complex",)
        assert report.findings[0].message == TOO_COMPLEX
        assert time.monotonic() - started < 7.0
        assert pool.inspect(text_1_page()).ok


def test_close_stops_the_workers_and_refuses_later_calls() -> None:
    pool = PdfInspector(workers=2)
    assert pool.inspect(text_1_page()).ok
    pids = pool.worker_pids()
    pool.close()
    assert pool.worker_pids() == []
    assert all(_pid_gone(pid) for pid in pids)
    with pytest.raises(RuntimeError):
        pool.inspect(text_1_page())
    pool.close()  # twice is fine


def test_the_time_allowed_grows_with_the_pages_the_worker_reports() -> None:
    # 1,000 pages take longer than the base in CPU time (0.05 s), and than 4 x that plus the
    # grace in wall time (2.2 s) on a loaded machine: only the per-page share, which the parent
    # learns from the worker's page count, lets the check finish.
    brief = long_brief(1000)
    generous = PdfLimits(base_seconds=0.05, seconds_per_page=0.05)
    with PdfInspector(workers=1, limits=generous) as pool:
        report = pool.inspect(brief)
        assert report.ok and report.pages == 1000, report.findings
        assert len(report.text_chars) == 1000 and min(report.text_chars) > 1000
        # The caller's budget (what is left of the filing's) caps it.
        assert pool.inspect(brief, budget_seconds=0.1).codes == ("pdf_too_complex",)
        assert pool.inspect(brief, budget_seconds=0).codes == ("pdf_too_complex",)
    stingy = PdfLimits(base_seconds=0.05, seconds_per_page=0.0)
    with PdfInspector(workers=1, limits=stingy) as pool:
        report = pool.inspect(brief)
        assert report.codes == ("pdf_too_complex",)
        assert "Split it" in report.findings[0].message
        assert pool.inspect(text_1_page()).ok  # the pool keeps serving


def test_5000_pages_within_the_limit_are_accepted_with_the_production_limits() -> None:
    # The page limit's worth of text (16 MB), built once, checked the way the service does.
    brief = long_brief(5000)
    with PdfInspector(workers=1, limits=PdfLimits()) as pool:
        report = pool.inspect(brief)
    assert report.ok, report.findings
    assert report.pages == 5000 and len(report.text_chars) == 5000
