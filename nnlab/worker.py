"""A worker process of the classroom engine: TensorFlow lives here, never in the app.

`nnlab.engine.Engine` starts `worker_main` with the spawn start method and talks to it over one
duplex pipe: jobs go in (train a spec, load an uploaded model file, run the learning-rate test),
events come out (ready, started, progress, epoch, paused, done, task_done). While a run trains,
the engine may send ("control", job, {"pause": bool} or {"learning_rate": x}); see
`JobControls`. The app stops a run by writing the job's number into a shared integer the worker
reads after every batch, so a stop needs no message round trip.

One pipe per worker rather than one queue shared by all: a worker killed in the middle of a
write to a shared queue would leave its lock held and silence every other worker; a pipe only
breaks for the worker that died, and the engine waits on pipes and process sentinels together.

Every worker caps TensorFlow at the same number of threads, so a spec gives the same history on
any of them (the last bits of a conv layer's loss depend on how many threads split a batch).

A worker serves jobs one at a time and exits once its resident memory passes `memory_mb`, or
when the engine sends None (it retires workers that served `runs_per_worker` jobs once the queue
is empty, not mid-class): TensorFlow keeps memory it has used, so a fresh process is the only way
to give it back. Data sets are loaded once per worker (`nnlab.datasets` caches them).
"""

from __future__ import annotations

import contextlib
import os
import time
from typing import Any

# At most this many progress events a second per run: enough for a live bar, cheap to read.
PROGRESS_INTERVAL_S = 0.25
# Images the worker runs through Keras for a network's reference outputs (Inside compares them).
REFERENCE_IMAGES = 100


def resident_mb(pid: int | None = None) -> float:
    """A process's resident memory in MB (this one by default), from /proc (0 where absent)."""
    try:
        with open(f"/proc/{pid or 'self'}/statm") as statm:
            pages = int(statm.read().split()[1])
    except (OSError, ValueError, IndexError):
        return 0.0
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


DEFAULT_NICE = 5


def lower_priority() -> None:
    """Let the app's own process go first (env NNLAB_WORKER_NICE, default 5).

    Training takes whatever CPU is left: a page, the health check or a late student's first
    visit never waits behind a batch. With nothing else to do, training still gets it all.
    """
    text = os.environ.get("NNLAB_WORKER_NICE", "").strip()
    try:
        increment = int(text) if text else DEFAULT_NICE
    except ValueError:
        increment = DEFAULT_NICE
    with contextlib.suppress(OSError, AttributeError):  # not on every platform
        os.nice(max(0, increment))


def limit_threads(threads: int) -> None:
    """Cap TensorFlow's thread pools, so workers x threads stays within the CPU budget."""
    os.environ["TF_NUM_INTRAOP_THREADS"] = str(threads)
    os.environ["TF_NUM_INTEROP_THREADS"] = str(threads)
    os.environ["OMP_NUM_THREADS"] = str(threads)
    import tensorflow as tf

    try:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(threads)
    except RuntimeError:
        pass  # already initialised (cannot happen in a fresh worker; harmless if it does)


def _error_text(error: BaseException) -> str:
    """'ValueError: message' on one line, short enough for a student to read."""
    lines = str(error).strip().splitlines()
    message = lines[0][:500] if lines else ""
    return f"{type(error).__name__}: {message}" if message else type(error).__name__


class JobControls:
    """What the engine tells a worker while it trains one job: pause, resume, a new learning rate.

    The engine writes ("control", job_no, {...}) to the worker's pipe; the worker reads it after
    every batch (one poll, no wait). While paused the worker waits here, inside the batch loop,
    so the model, the optimizer and the data pipeline stay as they were; a stop ends the pause.
    """

    def __init__(self, connection: Any, stop_value: Any, job_no: int) -> None:
        self.connection = connection
        self.stop_value = stop_value
        self.job_no = job_no
        self.paused = False
        self.exit_after_job = False  # the engine said goodbye (None) while this job ran
        self._learning_rate: float | None = None

    def stopped(self) -> bool:
        """True once the engine asked this job to stop (or the worker to exit)."""
        return self.stop_value.value == self.job_no or self.exit_after_job

    def _read(self, timeout: float = 0.0) -> None:
        while self.connection.poll(timeout):
            timeout = 0.0
            message = self.connection.recv()
            if message is None:
                self.exit_after_job = True
                continue
            kind, job_no, payload = message
            if kind != "control" or job_no != self.job_no:
                continue  # a late message for a job that already ended
            if "learning_rate" in payload:
                self._learning_rate = float(payload["learning_rate"])
            if "pause" in payload and bool(payload["pause"]) != self.paused:
                self.paused = bool(payload["pause"])
                self.connection.send(("paused", self.job_no, {"paused": self.paused}))

    def should_stop(self) -> bool:
        """Read waiting messages; wait here while paused; True when the job must end now."""
        self._read()
        while self.paused and not self.stopped():
            self._read(timeout=0.25)  # blocks on the pipe: a resume wakes it at once
        return self.stopped()

    def commands(self) -> dict[str, Any] | None:
        """A learning rate the engine set since the last call, as fit_spec's control() wants."""
        if self._learning_rate is None:
            return None
        command, self._learning_rate = {"learning_rate": self._learning_rate}, None
        return command


def _train_job(
    connection: Any,
    stop_value: Any,
    job_no: int,
    spec_json: str,
    label: str,
    options: dict[str, Any] | None = None,
) -> tuple[str, dict[str, Any]]:
    """Train one spec, sending started / progress / epoch events; return the done event.

    options: "initial_model_bytes" and "initial_epoch" continue a run from its saved model
    (the history goes on from that epoch); "extra_train" = (images, labels) adds examples to the
    training data (a class's own handwriting when fine-tuning).
    """
    from nnlab.spec import RunSpec

    options = options or {}
    controls = JobControls(connection, stop_value, job_no)
    result_fields: dict[str, Any] = {"status": "failed", "error": None}
    try:
        spec = RunSpec.from_json(spec_json)
        from nnlab.datasets import load_dataset
        from nnlab.training import fit_spec

        dataset = load_dataset(spec.dataset)
        last_progress = [0.0]

        def on_start(train_images: int, validation_images: int, batches: int) -> None:
            facts = {
                "started_at": time.time(),
                "train_images": train_images,
                "validation_images": validation_images,
                "batches": batches,
            }
            connection.send(("started", job_no, facts))

        def on_progress(progress: dict[str, float]) -> None:
            now = time.monotonic()
            if now - last_progress[0] >= PROGRESS_INTERVAL_S or (
                progress["batch"] == progress["batches"]
            ):
                last_progress[0] = now
                connection.send(("progress", job_no, progress))

        def on_epoch(row: dict[str, float]) -> None:
            connection.send(("epoch", job_no, row))

        fit = fit_spec(
            spec,
            dataset,
            on_start=on_start,
            on_progress=on_progress,
            on_epoch=on_epoch,
            should_stop=controls.should_stop,
            **_fit_options(options, controls),
        )
        from nnlab.model_io import model_file_bytes
        from nnlab.network import network_from_keras

        keras_bytes = model_file_bytes(fit.model, spec, spec.dataset, label)
        network = network_from_keras(
            fit.model,
            reference_images=dataset.x_test[:REFERENCE_IMAGES],
            dataset_name=spec.dataset,
        )
        result_fields = {
            # A run that stopped itself (divergence) ends "stopped", its reason in `error`.
            "status": "stopped" if fit.stopped or fit.stop_reason else "finished",
            "error": fit.stop_reason,
            "test_loss": fit.test_loss,
            "test_accuracy": fit.test_accuracy,
            "stopped_early": fit.stopped_early,
            "train_images": fit.train_images,
            "validation_images": fit.validation_images,
            "keras_bytes": keras_bytes,
            "network_bytes": network.to_bytes(),
        }
    except Exception as error:  # the run must report every failure, never die silently
        result_fields = {"status": "failed", "error": _error_text(error)}
    result_fields["ended_at"] = time.time()
    result_fields["exit_after_job"] = controls.exit_after_job
    return "done", result_fields


def _fit_options(options: dict[str, Any], controls: JobControls) -> dict[str, Any]:
    """fit_spec's keyword arguments for a job's options (only those the job uses)."""
    fit_options: dict[str, Any] = {"control": controls.commands}
    for name in ("initial_model_bytes", "initial_epoch", "extra_train"):
        if options.get(name) is not None:
            fit_options[name] = options[name]
    return fit_options


def _lr_find_job(spec_json: str) -> tuple[str, dict[str, Any]]:
    """The learning-rate range test for a spec: loss against a growing rate, and a suggestion."""
    try:
        from nnlab.datasets import load_dataset
        from nnlab.schedules import lr_range_test
        from nnlab.spec import RunSpec

        spec = RunSpec.from_json(spec_json)
        reply: dict[str, Any] = dict(lr_range_test(spec, load_dataset(spec.dataset)))
        reply["error"] = None
    except ValueError as error:
        reply = {"error": str(error) or "The learning-rate test could not run."}
    except Exception as error:  # a failed test must come back as a message, not a dead worker
        reply = {"error": f"The learning-rate test failed ({_error_text(error)})."}
    return "task_done", reply


def _load_model_job(data: bytes, filename: str, dataset_name: str) -> tuple[str, dict[str, Any]]:
    """Check and load an uploaded model file (Keras safe mode); return its NumPy network."""
    try:
        from nnlab.model_io import network_from_model_file

        loaded = network_from_model_file(data, filename, dataset_name)
        reply: dict[str, Any] = {
            "network_bytes": loaded.network.to_bytes(),
            "label": loaded.label,
            "spec_json": loaded.spec.to_json() if loaded.spec is not None else None,
            "dataset_name": loaded.dataset_name,
            "error": None,
        }
    except ValueError as error:
        reply = {"error": str(error) or "The model file could not be loaded."}
    except Exception as error:  # a damaged upload must come back as a message, not a crash
        reply = {"error": f"The model file could not be loaded ({_error_text(error)})."}
    return "loaded", reply


def worker_main(
    connection: Any,
    stop_value: Any,
    threads: int = 1,
    memory_mb: float = 1500.0,
) -> None:
    """Serve jobs from `connection` until told to exit (None) or past `memory_mb` after a job."""
    started = time.monotonic()
    lower_priority()
    limit_threads(max(1, threads))
    import keras  # noqa: F401  (paid once here, not during the first student's run)

    connection.send(("ready", os.getpid(), time.monotonic() - started))
    while True:
        try:
            job = connection.recv()
        except (EOFError, OSError):
            return  # the engine is gone
        if job is None:
            return
        kind, job_no, *arguments = job
        exit_after_job = False
        if kind == "train":
            event, payload = _train_job(connection, stop_value, job_no, *arguments)
            exit_after_job = bool(payload.pop("exit_after_job", False))
        elif kind == "lr_find":
            event, payload = _lr_find_job(*arguments)
        else:
            event, payload = _load_model_job(*arguments)
            event = "task_done"
        # Decided before the reply, so the engine never hands a job to a worker that is leaving.
        retire = resident_mb() > memory_mb or exit_after_job
        payload["retire"] = retire
        try:
            connection.send((event, job_no, payload))
        except (BrokenPipeError, OSError):
            return
        if retire or exit_after_job:
            return
