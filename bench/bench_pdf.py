"""Every unit's PDF beside LibreOffice's own batch conversion of the same documents.

    python bench/bench_pdf.py [--units 600 --rows 200000] [--runs 1]

Without ``--units``: the sample city (31 units, ``reports/sample``). With it: a synthetic tree
of that many units (bench/synth.py) — for the memory bound of a province's batch.

Measures, in one run:
- ``baocao generate --all-units --format pdf`` (whole command, its own processes and
  LibreOffice), and the peak memory of its whole process tree (LibreOffice included), sampled;
- the yardstick: the same units' .docx (written by ``--format docx`` first) converted by
  LibreOffice itself, two ``soffice --convert-to pdf`` processes in parallel with warm
  profiles, each given half of the files;
- the same without ``python3-uno`` (``BAOCAO_OFFICE=cli``: batched ``soffice --convert-to``);
- one report (the office's): ``generate --format docx`` against ``--format docx,pdf``, and a
  second PDF in the same process (the office already running).
Prints a Markdown table; ``bench/run.py`` collects it into ``bench/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

WEEK = ("2020-09-21", "2020-09-28")


def tree_rss_mb(root: int) -> float:
    """Resident memory of ``root`` and all its descendants, in MB."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        parents[int(entry)] = int(fields[1])
        rss[int(entry)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
    total = 0
    for pid, size in rss.items():
        up = pid
        while up > 1 and up != root:
            up = parents.get(up, 0)
        if up == root:
            total += size
    return total / 1024 / 1024


def timed(cmd: list[str]) -> tuple[float, float]:
    """(wall seconds, peak MB of the process tree) of one command."""
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT)
    peak = 0.0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.wait(0.2):
            peak = max(peak, tree_rss_mb(proc.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, err = proc.communicate()
    wall = time.perf_counter() - t
    done.set()
    sampler.join()
    if proc.returncode != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{err.decode()[-2000:]}")
    return wall, peak


def soffice_batches(docs: list[Path], work: Path) -> tuple[float, int]:
    """LibreOffice alone: two processes with warm profiles, half of ``docs`` each."""
    binary = shutil.which("soffice") or "soffice"
    staged = work / "in"
    staged.mkdir(parents=True)
    names = []
    for i, doc in enumerate(docs):  # unique names: LibreOffice names each PDF by its stem
        (staged / f"{i:05d}.docx").symlink_to(doc)
        names.append(staged / f"{i:05d}.docx")
    halves = [names[0::2], names[1::2]]
    commands = []
    for k, half in enumerate(halves):
        profile = (work / f"profile{k}").as_uri()
        outdir = work / f"out{k}"
        base = [binary, f"-env:UserInstallation={profile}", "--headless", "--norestore",
                "--nologo", "--infilter=MS Word 2007 XML", "--convert-to", "pdf",
                "--outdir", str(outdir)]  # fmt: skip
        subprocess.run([*base, str(half[0])], capture_output=True, check=True)  # warm profile
        commands.append([*base, *map(str, half)])
    t = time.perf_counter()
    procs = [
        subprocess.Popen(c, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for c in commands
    ]
    for p in procs:
        p.wait()
    wall = time.perf_counter() - t
    made = sum(1 for k in range(2) for _ in (work / f"out{k}").glob("*.pdf"))
    return wall, made


def second_pdf_in_process(docs: list[Path], work: Path) -> tuple[float, float]:
    """(first, second) conversion in one process: the office's start-up, then a warm one."""
    from reports.render.pdf import convert_to_pdf

    t = time.perf_counter()
    convert_to_pdf(docs[0], work / "first", timeout_s=300)
    first = time.perf_counter() - t
    times = []
    for doc in docs[1:6]:
        t = time.perf_counter()
        convert_to_pdf(doc, work / "next", timeout_s=300)
        times.append(time.perf_counter() - t)
    return first, statistics.median(times)


def make_store(work: Path, units: int | None, rows: int) -> str:
    from reports.sources.importer import import_files
    from reports.store.db import open_store

    db = f"sqlite:///{work / 'bench.sqlite'}"
    if units is None:
        from reports.sample.city import write_sample

        files = write_sample(work / "sample", start=date(2020, 8, 1), end=date(2020, 10, 15))
        paths = list(files.values())
    else:
        folder = work / "synth"
        subprocess.run(
            [sys.executable, str(ROOT / "bench" / "synth.py"), "--rows", str(rows),
             "--units", str(units), "--years", "1", "--out", str(folder)],
            check=True, capture_output=True,
        )  # fmt: skip
        paths = sorted(folder.glob("*.csv"))
    import_files(open_store(db), paths)
    return db


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--units", type=int, help="a synthetic tree of this many units")
    ap.add_argument("--rows", type=int, default=200_000)
    ap.add_argument("--runs", type=int, default=1)
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="baocao-bench-pdf-") as tmp:
        work = Path(tmp)
        db = make_store(work, args.units, args.rows)
        week = WEEK if args.units is None else ("2020-12-21", "2020-12-28")
        base = [sys.executable, "-m", "reports", "--db", db, "generate",
                "--from", week[0], "--to", week[1]]  # fmt: skip
        docx_dir = work / "docx"
        docx_wall, _ = timed([*base, "--all-units", "--format", "docx", "--out", str(docx_dir)])
        docs = sorted(docx_dir.rglob("*.docx"))
        pdf_runs, peaks, lo_runs, cli_runs = [], [], [], []
        made: list[int] = []
        for k in range(args.runs):
            lo_dir = work / f"lo{k}"
            lo_wall, lo_made = soffice_batches(docs, lo_dir)
            lo_runs.append(lo_wall)
            made.append(lo_made)
            shutil.rmtree(lo_dir)
            pdf_dir = work / f"pdf{k}"
            wall, peak = timed([*base, "--all-units", "--format", "pdf", "--out", str(pdf_dir)])
            assert sum(1 for _ in pdf_dir.rglob("*.pdf")) == len(docs)
            shutil.rmtree(pdf_dir)
            pdf_runs.append(wall)
            peaks.append(peak)
            # without python3-uno: one soffice a batch of reports, a profile kept per worker
            cli_dir = work / f"cli{k}"
            cli = ["env", "BAOCAO_OFFICE=cli", *base, "--all-units", "--format", "pdf"]
            cli_wall, _ = timed([*cli, "--out", str(cli_dir)])
            assert sum(1 for _ in cli_dir.rglob("*.pdf")) == len(docs)
            shutil.rmtree(cli_dir)
            cli_runs.append(cli_wall)
        pdf, lo = statistics.median(pdf_runs), statistics.median(lo_runs)
        n = len(docs)
        print("| measure | result |\n|---|---|")
        print(
            f"| `generate --all-units --format pdf`, {n} units, whole command "
            f"(runs: {', '.join(f'{w:.1f}' for w in pdf_runs)} s) | {pdf:.1f} s = "
            f"{pdf / n:.3f} s per unit |"
        )
        print(
            f"| yardstick: LibreOffice alone, 2 `soffice --convert-to pdf` processes with warm "
            f"profiles, the same {n} .docx (runs: {', '.join(f'{w:.1f}' for w in lo_runs)} s) | "
            f"{lo:.1f} s = {lo / n:.3f} s per document"
            + (f" (it made only {min(made)} of the {n} PDFs)" if min(made) < n else "")
            + " |"
        )
        print(f"| baocao ÷ LibreOffice alone (target ≤ 1.5×) | {pdf / lo:.2f}× |")
        alone = statistics.median(cli_runs)
        print(
            f"| the same without python3-uno (`BAOCAO_OFFICE=cli`: one `soffice --convert-to` a "
            f"batch of up to 25 reports, a profile kept per worker; runs: "
            f"{', '.join(f'{w:.1f}' for w in cli_runs)} s) | {alone:.1f} s = {alone / lo:.2f}× "
            "LibreOffice alone |"
        )
        print(f"| for reference: `--all-units --format docx` (no PDF) | {docx_wall:.1f} s |")
        print(
            f"| peak memory of the whole process tree of `--format pdf` (LibreOffice included; "
            f"sampled every 0.2 s) | {max(peaks):.0f} MB |"
        )
        if args.units is None:
            one = [*base, "--unit", "UBND-BA-DINH", "--out", str(work / "one")]
            without = statistics.median(timed([*one, "--format", "docx"])[0] for _ in range(3))
            with_pdf = statistics.median(timed([*one, "--format", "docx,pdf"])[0] for _ in range(3))
            first, second = second_pdf_in_process(docs, work / "inproc")
            print(
                f"| one report, `generate --format docx` → `--format docx,pdf` (median of 3, "
                f"new process each: LibreOffice starts) | {without:.2f} s → {with_pdf:.2f} s "
                f"(+{with_pdf - without:.2f} s) |"
            )
            print(
                f"| one PDF in a running process (web, scheduler): first (office starts) → "
                f"next (median of 5) | {first:.2f} s → {second:.2f} s |"
            )


if __name__ == "__main__":
    main()
