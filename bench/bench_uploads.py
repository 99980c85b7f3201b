"""Time and memory to refuse over-limit XLSX uploads (issue 13, finding 4), and to read one
within the limits.

Builds the files of the report with ``zipfile`` (no spreadsheet program needed): a small
workbook whose one cell unpacks to 200 MB, a workbook of a million rows, and for reference
a workbook of 10,000 good rows. Each file is read by the product's ``services.tables``
(the reader behind the bulk upload) in a fresh subprocess; printed are the file size, the
outcome (refused at which row and column, or rows read), the time, and the subprocess's
peak resident memory (``ru_maxrss``; Python, Django and pandas alone are ~100 MB of it) and
how much more memory reading the file allocated at its peak (``tracemalloc``). A CSV just
under the upload limit, of long descriptions, and a workbook of the same under the limit
are read as the upload page reads them.

With ``--page``, the two files at the upload limit are posted to the upload page instead
(``/bulk/upload/`` through Django's test client, as a worker of the community the rows
name, on a scratch PostgreSQL database): the time of the whole request (reading, checking
every row, writing them), to set against the web server's worker timeout
(docs/deployment.md).

    python bench/bench_uploads.py
    python bench/bench_uploads.py --as-bytes --case "50 MB XLSX"   # a copy read whole first
    python bench/bench_uploads.py --page                             # the whole page request
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import resource
import subprocess
import sys
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGE_DATABASE_URL = os.environ.get(
    "DATABASE_URL", "postgres://postgres@127.0.0.1:5432/precision_supply_bench_uploads"
)
PAGE_CASES = ("50 MB CSV", "50 MB XLSX")

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    "</Relationships>"
)
SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
SHEET_TAIL = "</sheetData></worksheet>"
HEADER = ("community", "category", "description", "created_at")
# The community and service every row of the files at the upload limit names.
HEADER_VALUES = ("DEMO-0001", "home_care")


def _cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def _row(n: int, values: tuple[str, ...]) -> str:
    cells = "".join(_cell(f"{'ABCD'[i]}{n}", v) for i, v in enumerate(values))
    return f'<row r="{n}">{cells}</row>'


def _workbook(write_rows) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(SHEET_HEAD.encode())
            sheet.write(_row(1, HEADER).encode())
            write_rows(sheet)
            sheet.write(SHEET_TAIL.encode())
    return buffer.getvalue()


def huge_cell() -> bytes:
    def rows(sheet):
        sheet.write(b'<row r="2"><c r="A2" t="inlineStr"><is><t>')
        block = b"a" * (1024 * 1024)
        for _ in range(200):
            sheet.write(block)
        sheet.write(b"</t></is></c></row>")

    return _workbook(rows)


def million_rows() -> bytes:
    def rows(sheet):
        values = ("DEMO-0001", "home_care", "synthetic", "2025-03-01T09:30:00")
        for n in range(2, 1_000_002):
            sheet.write(_row(n, values).encode())

    return _workbook(rows)


def good_rows() -> bytes:
    def rows(sheet):
        values = ("DEMO-0001", "home_care", "synthetic request", "2025-03-01T09:30:00")
        for n in range(2, 10_002):
            sheet.write(_row(n, values).encode())

    return _workbook(rows)


def long_descriptions_xlsx() -> bytes:
    """A workbook just under the upload limit, within every other limit: about 20,000 rows
    of 3,990-character descriptions of random letters (text that compresses about as badly
    as real prose, so the file, not only its unpacked sheet, is large)."""
    import random

    from services.tables import MAX_UPLOAD_BYTES

    letters = bytes(range(ord("a"), ord("z") + 1))
    random.seed(2026)

    def rows(sheet):
        written, n = 0, 2
        # The deflated sheet grows at about 0.6 bytes a letter; stop short of the limit.
        while written * 0.6 < MAX_UPLOAD_BYTES * 0.93:
            description = bytes(random.choices(letters, k=3_990)).decode()
            row = _row(n, (*HEADER_VALUES, description, "2025-03-01T09:30:00"))
            sheet.write(row.encode())
            written += len(row)
            n += 1

    return _workbook(rows)


def long_descriptions_csv() -> bytes:
    """A CSV just under the upload limit: about 13,000 rows of 3,990-character descriptions."""
    from services.tables import MAX_UPLOAD_BYTES

    row = ",".join((*HEADER_VALUES, "d" * 3_990, "2025-03-01T09:30:00")) + "\n"
    header = ",".join(HEADER) + "\n"
    return (header + row * ((MAX_UPLOAD_BYTES - len(header)) // len(row))).encode()


CASES = {
    "200 MB cell": huge_cell,
    "1,000,000 rows": million_rows,
    "10,000 good rows": good_rows,
    "50 MB CSV": long_descriptions_csv,
    "50 MB XLSX": long_descriptions_xlsx,
}


def _measure(case: str, path: str, as_bytes: bool = False) -> dict:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    import tracemalloc

    from services import bulk

    suffix = path.rsplit(".", 1)[-1]
    start = time.perf_counter()
    tracemalloc.start()
    try:
        # As the upload page reads it: the table the import checks, from the file on disk
        # (--as-bytes: from a copy of it in memory, as the page and the commands did before).
        with open(path, "rb") as upload:
            source = upload.read() if as_bytes else upload
            outcome = f"read {len(bulk.read_table(source, 'upload.' + suffix)):,} rows"
    except bulk.BulkImportError as exc:
        problem = exc.problems[0]
        outcome = f"refused: row {problem.row}, {problem.column}: {problem.reason}"
    growth_mb = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "case": case,
        "outcome": outcome,
        "seconds": seconds,
        "peak_mb": peak_mb,
        "growth_mb": growth_mb,
    }


def _measure_page(case: str, path: str) -> dict:
    """The whole upload request of the file at ``path``: the worker's POST to the page, as a
    browser sends it, until the page's answer."""
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.test import Client

    from residents.models import City, Community, Region, User
    from services.models import ServiceCategory

    region = Region.objects.order_by("order").first()
    city, _ = City.objects.get_or_create(
        adcode="990100",
        defaults={"name": "Synthetic bench city", "province": "Synthetic", "region": region},
    )
    community, _ = Community.objects.get_or_create(
        code=HEADER_VALUES[0],
        defaults={
            "city": city,
            "name": "Synthetic community",
            "kind": "urban",
            "population": 10_000,
            "households": 4_000,
        },
    )
    if not ServiceCategory.objects.filter(code=HEADER_VALUES[1]).exists():
        # A service of the catalogue under the code the files name, asking no questions.
        service = ServiceCategory.objects.filter(parent__isnull=False, active=True).first()
        service.pk = None
        service.code = HEADER_VALUES[1]
        service.name = service.name_zh = "Synthetic bench service"
        service.extra_fields = []
        service.save()
    worker, _ = User.objects.get_or_create(
        username="synthetic-bench-worker", defaults={"role": User.Role.WORKER}
    )
    worker.communities.set([community])
    client = Client()
    client.force_login(worker)
    start = time.perf_counter()
    with open(path, "rb") as upload:
        answer = client.post("/bulk/upload/", {"kind": "requests", "file": upload})
    seconds = time.perf_counter() - start
    page = answer.content.decode()
    imported = re.search(r"Imported ([\d,]+) rows", page)
    outcome = f"HTTP {answer.status_code}, " + (
        f"imported {imported.group(1)} rows" if imported else "not imported"
    )
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"case": case, "outcome": outcome, "seconds": seconds, "peak_mb": peak_mb}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--measure", nargs=2, metavar=("CASE", "FILE"), help=argparse.SUPPRESS)
    parser.add_argument(
        "--as-bytes",
        action="store_true",
        help="hand the reader the file's bytes, read whole first (the channels before "
        "7 December 2026), instead of the file",
    )
    parser.add_argument("--case", action="append", choices=sorted(CASES), help="only these")
    parser.add_argument(
        "--page",
        action="store_true",
        help="post the files at the upload limit to the upload page and time the request",
    )
    args = parser.parse_args()
    if args.measure:
        if args.page:
            print(json.dumps(_measure_page(*args.measure)))
        else:
            print(json.dumps(_measure(*args.measure, as_bytes=args.as_bytes)))
        return
    sys.path.insert(0, str(ROOT))  # this checkout's limits, as the measuring subprocess
    scratch = ROOT / "var" / "bench_uploads"
    scratch.mkdir(parents=True, exist_ok=True)
    environment = None
    if args.page:
        from bench import scratch_db

        environment = scratch_db.django_env(PAGE_DATABASE_URL)
    print(f"{'file':<18} {'size MB':>8} {'seconds':>8} {'peak MB':>8} {'grew MB':>8}  outcome")
    for case, build in CASES.items():
        if (args.case and case not in args.case) or (args.page and case not in PAGE_CASES):
            continue
        if args.page:  # every upload into an empty database
            scratch_db.recreate_database(PAGE_DATABASE_URL)
        suffix = ".csv" if "CSV" in case else ".xlsx"
        path = scratch / (case.replace(" ", "_").replace(",", "") + suffix)
        path.write_bytes(build())
        result = json.loads(
            subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--measure",
                    case,
                    str(path),
                    *(["--as-bytes"] if args.as_bytes else []),
                    *(["--page"] if args.page else []),
                ],
                env=environment,
                check=True,
                capture_output=True,
                text=True,
            )
            .stdout.strip()
            .splitlines()[-1]
        )
        size = path.stat().st_size / 1e6
        print(
            f"{case:<18} {size:>8.2f} {result['seconds']:>8.3f} {result['peak_mb']:>8.0f} "
            f"{result.get('growth_mb', float('nan')):>8.0f}  {result['outcome']}"
        )
        path.unlink()


if __name__ == "__main__":
    main()
