#!/usr/bin/env python3
"""The long fuzz run: the properties of tests/test_fuzz.py with many more examples.

    python scripts/fuzz.py                          # 1,000 examples per property, random seed
    python scripts/fuzz.py --examples 20000 --seed 7
    python scripts/fuzz.py --only websocket_modules receive_first
    python scripts/fuzz.py --list

Each property runs with hypothesis, not derandomized (unlike the bounded CI tests), from
the given seed (printed, so a run can be repeated). A failure is shrunk to a minimal
program, printed, and written to --out-dir; the run goes on with the next property and
exits 1 at the end. Nothing is written into the repository (no example database).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import traceback
import warnings
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from hypothesis import HealthCheck, Phase, given, seed, settings  # noqa: E402

from tests.test_fuzz import PROPERTIES  # noqa: E402


def run_property(name: str, strategy, prop, examples: int, run_seed: int, out_dir: Path) -> bool:
    count = 0

    def counted(value) -> None:
        nonlocal count
        count += 1
        prop(value)

    test = seed(run_seed)(settings(
        max_examples=examples, deadline=None, database=None, derandomize=False,
        phases=[Phase.generate, Phase.shrink], print_blob=True,
        suppress_health_check=list(HealthCheck),
    )(given(strategy)(counted)))
    start = time.perf_counter()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SyntaxWarnings of generated programs
            test()
    except BaseException as exc:  # noqa: B902 - report and go on
        if isinstance(exc, KeyboardInterrupt):
            raise
        out_dir.mkdir(parents=True, exist_ok=True)
        report = out_dir / f"fuzz-{name}-seed{run_seed}.txt"
        text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        report.write_text(text)
        print(f"FAIL {name}: {type(exc).__name__} after {count} examples "
              f"({time.perf_counter() - start:.0f} s); details in {report}")
        print(text[-4000:])
        return False
    print(f"ok   {name}: {count} examples in {time.perf_counter() - start:.0f} s")
    return True


def main(argv: list[str] | None = None) -> int:
    names = [name for name, _, _ in PROPERTIES]
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--examples", type=int, default=1000, metavar="N",
                    help="examples per property (default %(default)s)")
    ap.add_argument("--seed", type=int, default=None,
                    help="random seed (default: a random one, printed)")
    ap.add_argument("--only", nargs="+", choices=names, metavar="NAME",
                    help=f"run only these properties ({', '.join(names)})")
    ap.add_argument("--out-dir", type=Path, default=Path("/tmp/netra-fuzz"),
                    help="where failures are written (default %(default)s)")
    ap.add_argument("--list", action="store_true", help="list the properties and exit")
    args = ap.parse_args(argv)
    if args.list:
        for name, _, prop in PROPERTIES:
            print(f"{name:20} {(prop.__doc__ or '').strip().splitlines()[0] if prop.__doc__ else prop.__name__}")
        return 0
    if args.examples < 1:
        ap.error("--examples must be at least 1")
    run_seed = args.seed if args.seed is not None else random.randrange(2**32)
    print(f"netra-lint fuzz: {args.examples} examples per property, seed {run_seed}")
    ok = True
    for name, strategy, prop in PROPERTIES:
        if args.only and name not in args.only:
            continue
        ok = run_property(name, strategy, prop, args.examples, run_seed, args.out_dir) and ok
    print("all properties hold" if ok else "FAILURES (see above)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
