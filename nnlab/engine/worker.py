"""A worker process of the classroom engine: TensorFlow lives here, never in the app.

`nnlab.engine.pool` starts `worker_main` with the spawn start method and the engine talks to it
over one duplex pipe, in the messages of `nnlab.engine.protocol`: jobs go in (train a spec, load an
uploaded model file, run the learning-rate test), events come out (ready, started, progress, epoch,
paused, run ended, task done). While a run trains, the engine may send a `Control` (pause, resume,
a new learning rate); see `JobControls`. The app stops a run by writing the job's number into a
shared integer the worker reads after every batch, so a stop needs no message round trip.

One pipe per worker rather than one queue shared by all: a worker killed in the middle of a
write to a shared queue would leave its lock held and silence every other worker; a pipe only
breaks for the worker that died, and the engine waits on pipes and process sentinels together.

Every worker caps TensorFlow at the same number of threads, so a spec gives the same history on
any of them (the last bits of a conv layer's loss depend on how many threads split a batch).

A worker serves jobs one at a time and exits once its resident memory passes `memory_mb`, or
when the engine sends None (it retires workers that served `runs_per_worker` jobs once the queue
is empty, not mid-class): TensorFlow keeps memory it has used, so a fresh process is the only way
to give it back. Data sets are loaded once per worker (`nnlab.data.datasets` caches them).
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import os
import time
from typing import Any

from nnlab import config
from nnlab.core.runs import EpochRow, Progress, RunStatus
from nnlab.engine.protocol import (
    GOODBYE,
    Control,
    EpochEvent,
    Job,
    LoadModelJob,
    LrFindJob,
    Paused,
    ProgressEvent,
    Ready,
    RunEnded,
    Started,
    TaskDone,
    TrainJob,
    TrainOptions,
)

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


def lower_priority() -> None:
    """Let the app's own process go first (NNLAB_WORKER_NICE, default 5).

    Training takes whatever CPU is left: a page, the health check or a late student's first
    visit never waits behind a batch. With nothing else to do, training still gets it all.
    """
    with contextlib.suppress(OSError, AttributeError):  # not on every platform
        os.nice(config.current().worker_nice)


def first_to_go_when_memory_runs_out() -> None:
    """Ask the kernel to end this worker, not the app, when the container's memory runs out.

    The engine's memory guard polls; a run growing faster than its poll would otherwise let the
    kernel choose, and the app (every student's page) is the larger process when idle.
    """
    with contextlib.suppress(OSError), open("/proc/self/oom_score_adj", "w") as score:
        score.write("1000")


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

    The engine writes a `Control` to the worker's pipe; the worker reads it after
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
            if message is GOODBYE:
                self.exit_after_job = True
                continue
            if not isinstance(message, Control) or message.job_no != self.job_no:
                continue  # a late message for a job that already ended
            if message.learning_rate is not None:
                self._learning_rate = float(message.learning_rate)
            if message.pause is not None and message.pause != self.paused:
                self.paused = message.pause
                self.connection.send(Paused(self.job_no, self.paused))

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


# The worker's compiled models, reused by runs of one architecture (nnlab.learn.model.ModelCache);
# made in worker_main, once TensorFlow is imported.
_MODELS: Any = None


def _train_job(connection: Any, stop_value: Any, job: TrainJob) -> tuple[RunEnded, bool]:
    """Train one spec, sending Started / ProgressEvent / EpochEvent; return the end and whether
    the engine said goodbye meanwhile.

    job.options: a saved model and its epoch continue a run from there (the history goes on);
    extra_train = (images, labels) adds examples to the training data (a class's own handwriting
    when fine-tuning).
    """
    from nnlab.core.spec import RunSpec

    job_no = job.job_no
    controls = JobControls(connection, stop_value, job_no)
    try:
        spec = RunSpec.from_json(job.spec_json)
        from nnlab.data.datasets import load_dataset
        from nnlab.learn.training import fit_spec

        dataset = load_dataset(spec.dataset)
        last_progress = [0.0]

        def on_start(train_images: int, validation_images: int, batches: int) -> None:
            started = Started(job_no, time.time(), train_images, validation_images, batches)
            connection.send(started)

        def on_progress(progress: Progress) -> None:
            now = time.monotonic()
            if now - last_progress[0] >= PROGRESS_INTERVAL_S or progress.batch == progress.batches:
                last_progress[0] = now
                connection.send(ProgressEvent(job_no, progress))

        def on_epoch(row: EpochRow) -> None:
            connection.send(EpochEvent(job_no, row))

        fit = fit_spec(
            spec,
            dataset,
            on_start=on_start,
            on_progress=on_progress,
            on_epoch=on_epoch,
            should_stop=controls.should_stop,
            models=_MODELS,
            **_fit_options(job.options, controls),
        )
        from nnlab.learn.keras_network import network_from_keras
        from nnlab.learn.model_files import model_file_bytes

        keras_bytes = model_file_bytes(fit.model, spec, spec.dataset, job.label)
        network = network_from_keras(
            fit.model,
            reference_images=dataset.x_test[:REFERENCE_IMAGES],
            dataset_name=spec.dataset,
        )
        ended = RunEnded(
            job_no,
            # A run that stopped itself (divergence) ends "stopped", its reason in `error`.
            status=RunStatus.STOPPED if fit.stopped or fit.stop_reason else RunStatus.FINISHED,
            error=fit.stop_reason,
            ended_at=time.time(),
            test_loss=fit.test_loss,
            test_accuracy=fit.test_accuracy,
            stopped_early=fit.stopped_early,
            train_images=fit.train_images,
            validation_images=fit.validation_images,
            keras_bytes=keras_bytes,
            network_bytes=network.to_bytes(),
        )
        if _MODELS is not None:
            _MODELS.give_back(spec, fit.model)  # saved and copied: the next run may reset it
    except Exception as error:  # the run must report every failure, never die silently
        ended = RunEnded(job_no, RunStatus.FAILED, _error_text(error), ended_at=time.time())
    return ended, controls.exit_after_job


def _fit_options(options: TrainOptions, controls: JobControls) -> dict[str, Any]:
    """fit_spec's keyword arguments for a job's options (only those the job uses)."""
    fit_options: dict[str, Any] = {"control": controls.commands}
    for name in ("initial_model_bytes", "initial_epoch", "extra_train"):
        if getattr(options, name) is not None:
            fit_options[name] = getattr(options, name)
    return fit_options


def _lr_find_job(job: LrFindJob) -> TaskDone:
    """The learning-rate range test for a spec: loss against a growing rate, and a suggestion."""
    try:
        from nnlab.core.spec import RunSpec
        from nnlab.data.datasets import load_dataset
        from nnlab.learn.lr_finder import lr_range_test

        spec = RunSpec.from_json(job.spec_json)
        reply: dict[str, Any] = dict(lr_range_test(spec, load_dataset(spec.dataset)))
        reply["error"] = None
    except ValueError as error:
        reply = {"error": str(error) or "The learning-rate test could not run."}
    except Exception as error:  # a failed test must come back as a message, not a dead worker
        reply = {"error": f"The learning-rate test failed ({_error_text(error)})."}
    return TaskDone(job.job_no, reply)


def _load_model_job(job: LoadModelJob) -> TaskDone:
    """Check and load an uploaded model file (Keras safe mode); return its NumPy network."""
    try:
        from nnlab.learn.model_files import network_from_model_file

        loaded = network_from_model_file(job.data, job.filename, job.dataset_name)
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
    return TaskDone(job.job_no, reply)


def worker_main(
    connection: Any,
    stop_value: Any,
    threads: int = 1,
    memory_mb: float = 1500.0,
) -> None:
    """Serve jobs from `connection` until told to exit (GOODBYE) or past `memory_mb` after a job."""
    started = time.monotonic()
    lower_priority()
    first_to_go_when_memory_runs_out()
    limit_threads(max(1, threads))
    import keras  # noqa: F401  (paid once here, not during the first student's run)

    from nnlab.learn.model import ModelCache

    global _MODELS
    _MODELS = ModelCache(config.current().step_cache)
    # TensorFlow's modules are a few hundred thousand objects that live as long as the worker:
    # out of the collector's sight, a collection no longer walks them during every run (in the
    # test suite, the same made TensorFlow-importing processes 3-4x faster).
    gc.collect()
    gc.freeze()
    connection.send(Ready(os.getpid(), time.monotonic() - started))
    while True:
        try:
            job: Job | None = connection.recv()
        except (EOFError, OSError):
            return  # the engine is gone
        if job is GOODBYE:
            return
        exit_after_job = False
        event: RunEnded | TaskDone
        if isinstance(job, TrainJob):
            event, exit_after_job = _train_job(connection, stop_value, job)
        elif isinstance(job, LrFindJob):
            event = _lr_find_job(job)
        elif isinstance(job, LoadModelJob):
            event = _load_model_job(job)
        else:
            continue  # a late Control for a job that already ended
        # Decided before the reply, so the engine never hands a job to a worker that is leaving.
        retire = resident_mb() > memory_mb or exit_after_job
        try:
            connection.send(dataclasses.replace(event, retire=retire))
        except (BrokenPipeError, OSError):
            return
        if retire:
            _MODELS.clear()
            return
