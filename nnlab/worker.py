"""Join a class's job queue as a training machine: `python -m nnlab.worker --database-url ...`.

Run it on any machine with the project's requirements (a lab PC, a teacher's laptop, a GPU
server: TensorFlow uses a GPU there if it has one). It needs only the store's PostgreSQL URL
(the same as the app's NNLAB_DATABASE_URL secret; `?sslmode=require` works) and connects out,
so it works behind NAT. Ctrl+C (or SIGTERM) leaves: the runs here stop after their batch and
keep the weights learned so far. See README "Add a training machine".
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading

from nnlab import config


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line: database URL (or NNLAB_DATABASE_URL), workers and a name."""
    parser = argparse.ArgumentParser(
        prog="python -m nnlab.worker",
        description="Train NN Lab runs from the job queue in the store's PostgreSQL database.",
    )
    parser.add_argument(
        "--database-url",
        default=config.current().database_url,
        help="the store's URL, postgresql://user:password@host/db (default: NNLAB_DATABASE_URL)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="worker processes (runs trained at once); default: the CPUs this machine may use",
    )
    parser.add_argument("--name", default=None, help="the name the board shows (default: host)")
    args = parser.parse_args(argv)
    if not args.database_url:
        parser.error("give --database-url postgresql://... (or set NNLAB_DATABASE_URL)")
    if args.workers is not None and not 1 <= args.workers <= 64:
        parser.error(f"--workers must be between 1 and 64; got {args.workers}")
    return args


def main(argv: list[str] | None = None) -> int:
    """Run a training machine until Ctrl+C or SIGTERM; the exit status."""
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    config.current()  # bad NNLAB_* settings are reported once, here
    from nnlab.engine.machine import Machine
    from nnlab.store.database import StoreError

    try:
        machine = Machine(args.database_url, workers=args.workers, name=args.name)
    except (StoreError, ValueError, OSError) as error:
        print(f"nnlab.worker: cannot join the job queue: {error}", file=sys.stderr)
        return 2
    except Exception as error:  # psycopg's own errors: a refused connection, a bad password
        print(f"nnlab.worker: cannot join the job queue: {error}", file=sys.stderr)
        return 2
    leave = threading.Event()
    for signal_number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signal_number, lambda *_: leave.set())
    machine.start()
    print(
        f"NN Lab training machine {machine.name!r}: {machine.workers} worker(s), connected to "
        f"{machine.store.describe()}; waiting for runs (Ctrl+C to leave).",
        flush=True,
    )
    leave.wait()
    print("Leaving: runs here stop after their batch and keep their weights.", flush=True)
    machine.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
