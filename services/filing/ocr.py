"""OCR for paper filings: a scan gets a text layer before the normal PDF checks.

OCRmyPDF (with Debian's tesseract) runs in a child process of its own, like the PDF checks in
pdf_sandbox.py: the child lowers its own address-space and CPU limits before it imports
anything (tesseract and ghostscript inherit them), and the parent kills it when the wall-clock
time is up. Pages that already carry text are kept as they are (``skip_text``): a scan without
text gets one, a PDF that has text is not redone.

The child answers with its exit status and the OCR'd file; what can go wrong maps to a stable
code: a scan with no readable text is ``scan_unreadable``, running out of time or memory is
``pdf_too_complex``, a file OCRmyPDF cannot open is ``pdf_malformed`` (or ``pdf_encrypted``),
and a filing service without OCRmyPDF or tesseract is ``ocr_unavailable``.

The worker is ``python -m services.filing.ocr IN OUT MEMORY_BYTES CPU_SECONDS``.
"""

from __future__ import annotations

import logging
import os
import resource
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from services.common.errors import CourtError

log = logging.getLogger(__name__)

# The worker's exit statuses (OCRmyPDF's own are mapped to these before exiting).
_OK = 0
_UNREADABLE = 10
_MALFORMED = 11
_ENCRYPTED = 12
_UNAVAILABLE = 13
_OUT_OF_MEMORY = 14

# Visible characters the whole OCR'd document must yield: fewer, and the scan is unreadable
# (a blank page, noise, a photo): docketing it would not make the record searchable.
MIN_TEXT_CHARS = 20


@dataclass(frozen=True)
class OcrLimits:
    # Wall-clock seconds for one document; the child's CPU limit is the same (tesseract on
    # one thread uses about one core).
    seconds: float = 120.0
    memory_bytes: int = 1024 * 2**20


def add_text_layer(content: bytes, *, filename: str, limits: OcrLimits) -> bytes:
    """The PDF with a text layer on every page that had none; raises the refusal's code."""
    with tempfile.TemporaryDirectory(prefix="openecf-ocr-") as workdir:
        source, target = Path(workdir, "scan.pdf"), Path(workdir, "ocr.pdf")
        source.write_bytes(content)
        env = {
            **os.environ,
            # One thread each: the limits are per process, and two cores serve everyone.
            "OMP_THREAD_LIMIT": "1",
            "TMPDIR": workdir,
        }
        command = [
            sys.executable,
            "-m",
            "services.filing.ocr",
            str(source),
            str(target),
            str(limits.memory_bytes),
            str(max(1, int(limits.seconds))),
        ]
        try:
            done = subprocess.run(
                command, env=env, capture_output=True, timeout=limits.seconds, check=False
            )
        except subprocess.TimeoutExpired:
            raise _too_complex(filename, limits) from None
        status = done.returncode
        if status == _OK and target.is_file():
            return target.read_bytes()
    if status not in (_UNREADABLE, _OK):
        log.warning(
            "OCR refused a scan",
            extra={"status": status, "stderr": done.stderr.decode(errors="replace")[-500:]},
        )
    raise _refusal(status, filename, limits)


def _too_complex(filename: str, limits: OcrLimits) -> CourtError:
    return CourtError(
        "pdf_too_complex",
        f"{filename}: the scan could not be read by OCR within {limits.seconds:.0f} s and"
        f" {limits.memory_bytes // 2**20} MB; scan it again at a lower resolution or in parts",
    )


def _refusal(status: int, filename: str, limits: OcrLimits) -> CourtError:
    if status == _UNREADABLE:
        return CourtError(
            "scan_unreadable",
            f"{filename}: OCR found no readable text in the scan (blank, too faint or not a"
            " document); scan the paper again",
        )
    if status == _ENCRYPTED:
        return CourtError("pdf_encrypted", f"{filename}: the PDF is encrypted")
    if status == _MALFORMED:
        return CourtError("pdf_malformed", f"{filename}: the scan is not a PDF OCR can open")
    if status == _UNAVAILABLE:
        return CourtError(
            "ocr_unavailable",
            "OCR (OCRmyPDF with tesseract) is not installed on the filing service; paper"
            " filings cannot be docketed until it is",
        )
    # Killed by its CPU limit (SIGXCPU/SIGKILL), or out of memory.
    return _too_complex(filename, limits)


# -- the worker (a child process) --------------------------------------------------------------


def _limit_self(memory_bytes: int, cpu_seconds: int) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))


def _visible_chars(path: Path) -> int:
    import pypdfium2

    pdf = pypdfium2.PdfDocument(str(path))
    try:
        total = 0
        for index in range(len(pdf)):
            page = pdf[index]
            text = page.get_textpage().get_text_range()
            total += sum(1 for ch in text if not ch.isspace())
        return total
    finally:
        pdf.close()


def _work(source: Path, target: Path, memory: int, cpu: int) -> int:
    # Imported before the limits: loading the libraries is ours, not the scan's, to pay for.
    try:
        import ocrmypdf
        from ocrmypdf import exceptions
    except ImportError:
        return _UNAVAILABLE
    _limit_self(memory, cpu)
    try:
        result = ocrmypdf.ocr(
            source,
            target,
            language=["eng"],
            skip_text=True,  # a page with text keeps it; a scanned page gets one
            output_type="pdf",  # no PDF/A conversion: the vault keeps what was filed
            optimize=0,
            jobs=1,
            progress_bar=False,
        )
    except exceptions.MissingDependencyError:
        return _UNAVAILABLE
    except exceptions.EncryptedPdfError:
        return _ENCRYPTED
    except exceptions.InputFileError:
        return _MALFORMED
    except (MemoryError, exceptions.ExitCodeException):
        return _OUT_OF_MEMORY  # tesseract or a library failed under the limits
    if result != ocrmypdf.ExitCode.ok or not target.is_file():
        return _MALFORMED
    return _OK if _visible_chars(target) >= MIN_TEXT_CHARS else _UNREADABLE


def main(argv: list[str]) -> int:
    source, target, memory, cpu = Path(argv[0]), Path(argv[1]), int(argv[2]), int(argv[3])
    return _work(source, target, memory, cpu)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
