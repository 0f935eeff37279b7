"""Training runs in worker processes: the fair queue, the worker pool and the pipe between them.

protocol (the worker pipe's messages), queue (pure ordering and estimates), pool (the worker
processes), records (a run's state and snapshots), run_table and run_queue (the runs in memory),
events (what the workers' events change), writer (the store-writing thread), contract (what pages
call: `TrainingEngine`), engine (the facade) and worker (the process side).
"""

from nnlab.engine.contract import TrainingEngine
from nnlab.engine.engine import Engine, LabBusy
from nnlab.engine.factory import get_engine, reset_engine

__all__ = ["Engine", "LabBusy", "TrainingEngine", "get_engine", "reset_engine"]
