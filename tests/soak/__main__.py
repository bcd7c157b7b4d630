"""`make soak`: the long fault soak. `python -m tests.soak --minutes 5`; `--help` for the rest.

Prints the counts and every problem found; exits 1 if there was one.
"""

import argparse
import sys
from pathlib import Path

from tests.soak.soak import SoakConfig, print_report, run_soak


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.soak", description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=5.0, help="how long the load runs (default 5)")
    parser.add_argument("--commands", type=int, help="stop the load after this many commands instead")
    parser.add_argument("--http-threads", type=int, default=3, help="HTTP client threads (default 3)")
    parser.add_argument("--amqp-rate", type=float, default=12.0, help="AMQP commands a second at most (default 12)")
    parser.add_argument("--amqp-in-flight", type=int, default=6, help="AMQP scripts going at once (default 6)")
    parser.add_argument("--fault-every", type=float, default=10.0, help="seconds between faults, about (default 10)")
    parser.add_argument("--cut-seconds", type=float, default=3.0, help="how long a broker cut lasts (default 3)")
    parser.add_argument("--seed", type=int, default=1, help="orders the faults (default 1)")
    parser.add_argument("--keep", type=Path, help="keep the data directory (logs, read models) here")
    args = parser.parse_args(argv)
    config = SoakConfig(duration_s=None if args.commands else args.minutes * 60, commands=args.commands,
                        http_threads=args.http_threads, amqp_rate=args.amqp_rate, amqp_in_flight=args.amqp_in_flight,
                        fault_every_s=args.fault_every, cut_s=args.cut_seconds, seed=args.seed, keep_dir=args.keep)
    load = f"{args.commands} commands" if args.commands else f"{args.minutes:g} minutes"
    print(f"soak: {load} of load, a fault about every {args.fault_every:g} s ...", flush=True)
    report = run_soak(config)
    print_report(report)
    return 1 if report.problems else 0


if __name__ == "__main__":
    sys.exit(main())
