"""The store's tables: labs, runs, epochs, models, and class mode's classes, members, drawings.

Only the table definitions live here; nnlab/store/migrations.py brings a database to them, and
nnlab/store/runs.py and nnlab/store/classes.py are the only modules that query them.
"""

from __future__ import annotations

import sqlalchemy as sa

MAX_ID_LENGTH = 200  # the longest lab or run id the store accepts

metadata = sa.MetaData()

meta_table = sa.Table(
    "meta",
    metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)

labs_table = sa.Table(
    "labs",
    metadata,
    sa.Column("lab_id", sa.String(MAX_ID_LENGTH), primary_key=True),
    sa.Column("created_at", sa.Double, nullable=False),
    sa.Column("last_seen", sa.Double, nullable=False, index=True),
)

runs_table = sa.Table(
    "runs",
    metadata,
    sa.Column("run_id", sa.String(MAX_ID_LENGTH), primary_key=True),
    sa.Column("lab_id", sa.String(MAX_ID_LENGTH), nullable=False, index=True),
    sa.Column("label", sa.Text, nullable=False, default=""),
    sa.Column("spec_json", sa.Text, nullable=False),
    sa.Column("preset_key", sa.String(200)),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("error", sa.Text),
    sa.Column("created_at", sa.Double, nullable=False),
    sa.Column("started_at", sa.Double),
    sa.Column("ended_at", sa.Double),
    sa.Column("updated_at", sa.Double, nullable=False),
    sa.Column("train_images", sa.Integer),
    sa.Column("validation_images", sa.Integer),
    sa.Column("test_loss", sa.Double),
    sa.Column("test_accuracy", sa.Double),
    sa.Column("stopped_early", sa.Boolean, nullable=False, default=False),
    sa.Column("epochs_done", sa.Integer, nullable=False, default=0),
    # Which training machine took the run (its name, or this server's host name).
    sa.Column("machine", sa.String(200)),
    # A running run's live progress as JSON (batch, epoch, speed, paused), written a few times
    # a second by the machine that trains it when runs go through the job queue; pages read it.
    sa.Column("progress", sa.Text),
)

epochs_table = sa.Table(
    "epochs",
    metadata,
    sa.Column("run_id", sa.String(MAX_ID_LENGTH), primary_key=True),
    sa.Column("epoch", sa.Integer, primary_key=True),
    sa.Column("loss", sa.Double),
    sa.Column("accuracy", sa.Double),
    sa.Column("val_loss", sa.Double),
    sa.Column("val_accuracy", sa.Double),
    sa.Column("seconds", sa.Double),
    # Everything else a training callback recorded for the epoch (diagnostics, the hidden-layer
    # map, the watched digits, learning-rate changes), as JSON: pages read it, nothing queries it.
    sa.Column("details", sa.Text),
)

models_table = sa.Table(
    "models",
    metadata,
    sa.Column("run_id", sa.String(MAX_ID_LENGTH), primary_key=True),
    sa.Column("keras", sa.LargeBinary),
    sa.Column("network", sa.LargeBinary),
    sa.Column("bytes", sa.BigInteger, nullable=False, default=0),
)

# Class mode (issue 10; nnlab/store/classes.py reads and writes these). A class's members, drawings
# and the class itself go when it expires; the members' runs stay with their labs.
classes_table = sa.Table(
    "classes",
    metadata,
    sa.Column("class_id", sa.String(64), primary_key=True),
    sa.Column("join_code", sa.String(16), nullable=False, unique=True),
    # sha256 of the teacher's secret key: a copy of the database does not hand out the board
    sa.Column("teacher_key_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("spec_json", sa.Text, nullable=False),
    sa.Column("preset_key", sa.String(200)),
    sa.Column("locked_json", sa.Text, nullable=False, default="[]"),
    sa.Column("hidden_json", sa.Text, nullable=False, default="[]"),
    sa.Column("challenge_key", sa.String(64)),
    sa.Column("step", sa.Integer, nullable=False, default=1),
    sa.Column("capacity", sa.Integer, nullable=False),
    sa.Column("created_at", sa.Double, nullable=False),
    sa.Column("updated_at", sa.Double, nullable=False),
    sa.Column("expires_at", sa.Double, nullable=False, index=True),
    sa.Column("ended_at", sa.Double),
)

class_members_table = sa.Table(
    "class_members",
    metadata,
    sa.Column("class_id", sa.String(64), primary_key=True),
    sa.Column("lab_id", sa.String(MAX_ID_LENGTH), primary_key=True, index=True),
    sa.Column("display_name", sa.String(64), nullable=False),
    sa.Column("name_key", sa.String(64), nullable=False),  # casefolded: "Mina" and "mina" clash
    sa.Column("joined_at", sa.Double, nullable=False),
    sa.Column("step_seen", sa.Integer, nullable=False, default=0),
    sa.UniqueConstraint("class_id", "name_key", name="uq_class_members_name"),
)

class_drawings_table = sa.Table(
    "class_drawings",
    metadata,
    sa.Column("drawing_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("class_id", sa.String(64), nullable=False, index=True),
    sa.Column("lab_id", sa.String(MAX_ID_LENGTH), nullable=False),
    sa.Column("label", sa.Integer, nullable=False),
    sa.Column("image", sa.LargeBinary, nullable=False),  # 28x28 uint8, row by row (784 bytes)
    sa.Column("created_at", sa.Double, nullable=False),
)

# The job queue (issue "More machines"; nnlab/store/queue_tables.py): what a student asks of a run
# that another machine trains, the machines that are connected, and short jobs' inputs and replies.
run_controls_table = sa.Table(
    "run_controls",
    metadata,
    sa.Column("run_id", sa.String(MAX_ID_LENGTH), primary_key=True),
    sa.Column("stop", sa.Boolean, nullable=False, default=False),
    sa.Column("pause", sa.Boolean, nullable=False, default=False),
    sa.Column("learning_rate", sa.Double),
    sa.Column("rate_no", sa.Integer, nullable=False, default=0),  # each new rate counts up
    sa.Column("updated_at", sa.Double, nullable=False),
)

machines_table = sa.Table(
    "machines",
    metadata,
    sa.Column("machine_id", sa.String(64), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("pid", sa.Integer, nullable=False),
    sa.Column("workers", sa.Integer, nullable=False),
    sa.Column("busy", sa.Integer, nullable=False, default=0),
    sa.Column("started_at", sa.Double, nullable=False),
    sa.Column("last_seen", sa.Double, nullable=False, index=True),
)

tasks_table = sa.Table(
    "tasks",
    metadata,
    sa.Column("task_id", sa.String(64), primary_key=True),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("payload", sa.LargeBinary),  # the input: an uploaded file, extra training images
    sa.Column("reply_json", sa.Text),  # None until a machine answered
    sa.Column("result", sa.LargeBinary),  # a reply's bytes (a loaded network)
    sa.Column("created_at", sa.Double, nullable=False, index=True),
    sa.Column("done_at", sa.Double),
)

# Every table NN Lab makes: a database that has one of them but no `meta` is not NN Lab's.
NNLAB_TABLES = (
    "meta",
    "labs",
    "runs",
    "epochs",
    "models",
    "classes",
    "class_members",
    "class_drawings",
    "run_controls",
    "machines",
    "tasks",
)
