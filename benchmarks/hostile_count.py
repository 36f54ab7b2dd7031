"""Count hostile inputs tried and how many broke the promise (issue 17's note).

Run: ``python benchmarks/hostile_count.py [-v]`` (a minute or two). The cases are
``benchmarks/hostile_cases.py``; they use only the command line, so this runs against any
kapnotes version (``PYTHONPATH=/path/to/old/src python benchmarks/hostile_count.py``).

Printed: inputs tried (and skipped: a read-only mount and a device node need root), tracebacks, wrong outcomes
(bad input accepted, or good input refused), stores changed by a refused command, and files
written outside their folder; per class of input, and with ``-v`` every case that broke.
"""

from __future__ import annotations

import sys
import tempfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from hostile_cases import all_cases, build_world, escaped_files, run_case, skipped


def main() -> None:
    verbose = "-v" in sys.argv
    tried, n_skipped = Counter[str](), 0
    broke: dict[str, Counter[str]] = {k: Counter() for k in ("traceback", "wrong", "store")}
    failures: list[str] = []
    with tempfile.TemporaryDirectory() as d:
        world = build_world(Path(d))
        try:
            cases = all_cases()
            for case in cases:
                if skipped(world, case):
                    n_skipped += 1
                    continue
                kind = case.id.split("-", 1)[0]
                tried[kind] += 1
                out = run_case(world, case)
                for what, hit in (
                    ("traceback", out.traceback),
                    ("wrong", out.wrong),
                    ("store", out.store_changed),
                ):
                    if hit:
                        broke[what][kind] += 1
                if out.traceback or out.wrong or out.store_changed:
                    last = out.output.strip().splitlines()[-1:] or [""]
                    failures.append(f"{case.id}: {last[0][:160]}")
            escapes = len(escaped_files(world, cases))
        finally:
            world.close()
    total = sum(tried.values())
    broken = len(failures)
    print(
        f"inputs tried: {total} (skipped {n_skipped}); broke the promise: {broken}; "
        f"tracebacks: {sum(broke['traceback'].values())}; wrong outcome: "
        f"{sum(broke['wrong'].values())}; store changed on refusal: "
        f"{sum(broke['store'].values())}; files outside their folder: {escapes}"
    )
    for kind in sorted(tried):
        print(
            f"  {kind:<5} {tried[kind]:4d} tried, {broke['traceback'][kind]:3d} tracebacks, "
            f"{broke['wrong'][kind]:3d} wrong, {broke['store'][kind]:3d} store changed"
        )
    if verbose:
        for line in failures:
            print("  ", line)


if __name__ == "__main__":
    main()
