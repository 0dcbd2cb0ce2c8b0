"""`pqa sample` and `pqa synth`: the development data, the Isle of Wight's sample returns and
synthetic returns for measuring the product at scale."""

from __future__ import annotations

import sys
from pathlib import Path

from pipeline.cli.exits import EXIT_REFUSED, EXIT_USAGE
from pipeline.core import paths


def add_commands(commands) -> None:
    synth = commands.add_parser(
        "synth",
        help="write synthetic returns for N areas and Q quarters, to measure the product at scale",
    )
    synth.add_argument(
        "--areas",
        type=int,
        default=4,
        help="how many areas, the Isle of Wight "
        "first (default 4; 153 is every English local authority)",
    )
    synth.add_argument(
        "--quarters", type=int, default=22, help="how many quarters, ending 2026-27 Q2 (default 22)"
    )
    synth.add_argument("--out", type=Path, required=True, help="folder to write")
    synth.set_defaults(run=_synth)

    sample = commands.add_parser("sample", help="write the sample returns for the Isle of Wight")
    sample.add_argument(
        "--out",
        type=Path,
        default=paths.raw_dir() / "sample",
        help="folder to write (default data/raw/sample); it must be empty or "
        "hold only sample returns",
    )
    sample.add_argument(
        "--replace",
        action="store_true",
        help="overwrite files named like "
        "sample returns whose content differs (never anything else)",
    )
    sample.set_defaults(run=_sample)


def _synth(args) -> int:
    from pipeline.devdata.synth import write_synthetic_returns

    if not 1 <= args.areas <= 153 or args.quarters < 1:
        print("Give --areas from 1 to 153 and --quarters of 1 or more.", file=sys.stderr)
        return EXIT_USAGE
    written = write_synthetic_returns(args.out, args.areas, args.quarters)
    print(
        f"Wrote {len(written):,} synthetic returns ({args.areas} area(s), {args.quarters} "
        f"quarter(s)) to {args.out}"
    )
    return 0


def _sample(args) -> int:
    from pipeline.devdata.sample_returns import SampleFolderInUse, write_sample_returns

    try:
        written = write_sample_returns(args.out, replace=args.replace)
    except SampleFolderInUse as exc:
        print(f"Not written: {exc}", file=sys.stderr)
        return EXIT_REFUSED
    print(f"Wrote {len(written)} sample returns to {args.out}")
    return 0
