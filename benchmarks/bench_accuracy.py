"""Accuracy table: every preset trained to completion, beside the tutorial's published number.

Each preset trains in a fresh process through `nnlab.train` with its own settings on its own data
set: Fashion-MNIST presets on the full set (Debian's dataset-fashion-mnist, 60,000 + 10,000),
MNIST presets on the best MNIST this machine has (the full set from a cache or download when
there is one; otherwise the bundled 10,000-image sample, which the table says). Results are
written per preset, as each finishes, to benchmarks/results/accuracy.json, so an interrupted run
resumes where it stopped; the table in docs/BENCHMARKS.md is rendered from that file.

    python benchmarks/bench_accuracy.py                         # every preset not yet done
    python benchmarks/bench_accuracy.py --presets t004_logistic,t004_relu100
    python benchmarks/bench_accuracy.py --datasets both         # also each preset on the other set
    python benchmarks/bench_accuracy.py --rerun --presets cnn_mnist
    python benchmarks/bench_accuracy.py --render                # only redraw the table
    python benchmarks/bench_accuracy.py --quick                 # 2k images, 1 epoch, own JSON
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import benchlib

RESULTS_PATH = benchlib.RESULTS_DIR / "accuracy.json"
QUICK_RESULTS_PATH = benchlib.REPO_ROOT / "benchmarks" / ".out" / "accuracy-quick.json"
OTHER_DATASET = {"mnist": "fashion_mnist", "fashion_mnist": "mnist"}


def child(preset_key: str, dataset_name: str, quick: bool) -> dict:
    """Train one preset on one data set; final figures, test accuracy and where data came from."""
    import nnlab
    from nnlab import PRESETS

    spec = PRESETS[preset_key].spec.replace(dataset=dataset_name)
    if quick:
        spec = spec.replace(train_size=2000, epochs=1, batch_size=min(spec.batch_size, 2000))
    dataset = nnlab.load_dataset(dataset_name)
    start = time.perf_counter()
    model, history = nnlab.train(spec, dataset)
    seconds = time.perf_counter() - start
    # nnlab.evaluate takes the NumPy network the app holds, as the Evaluate page does.
    evaluation = nnlab.evaluate(nnlab.network_from_keras(model), dataset, loss=spec.loss)
    last = history[-1]
    return {
        "preset": preset_key,
        "dataset": dataset_name,
        "data_source": dataset.source,
        "is_sample": dataset.is_sample,
        "train_images": dataset.num_train if spec.train_size is None else spec.train_size,
        "test_images": dataset.num_test,
        "epochs_done": len(history),
        "epochs_planned": spec.epochs,
        "accuracy": last.accuracy,
        "val_accuracy": last.val_accuracy,
        "test_accuracy": float(evaluation.accuracy),
        "seconds": seconds,
        "peak_rss_mb": benchlib.peak_rss_mb(),
    }


def _load(path: Path) -> dict:
    return json.loads(path.read_text()) if path.exists() else {"machine": None, "results": {}}


def _ours(result: dict, metric: str) -> float | None:
    return result.get(metric)


def render(path: Path, machine_text: str | None = None) -> str:
    """The accuracy table as Markdown, from the results file."""
    from nnlab import PRESETS

    stored = _load(path)
    rows = []
    for key, preset in PRESETS.items():
        for _entry, result in sorted(stored["results"].items()):
            if result["preset"] != key:
                continue
            metric = preset.reference_metric or "test_accuracy"
            published = preset.published.get(metric)
            ours = _ours(result, metric)
            if published is not None and ours is not None:
                delta = f"{(ours - published) * 100:+.1f} pts"
            else:
                delta = "no published score"
            data = "full" if not result["is_sample"] else "bundled sample"
            own = "" if result["dataset"] == preset.spec.dataset else " (other data set)"
            held_out = (
                f", {preset.spec.validation_split:.0%} of them held out"
                if preset.spec.validation == "split"
                else ""
            )
            rows.append(
                [
                    f"`{key}`{own}",
                    f"{result['dataset']} ({data}, {result['train_images']:,} train"
                    f"{held_out} / {result['test_images']:,} test)",
                    f"{result['epochs_done']}/{result['epochs_planned']}",
                    metric,
                    f"{published:.4f}" if published is not None else "-",
                    f"{ours:.4f}" if ours is not None else "-",
                    delta,
                    f"{result['test_accuracy']:.4f}",
                    f"{result['seconds']:.0f}",
                ]
            )
    header = [
        "preset",
        "data",
        "epochs",
        "published metric",
        "published",
        "ours",
        "difference",
        "our test accuracy",
        "train s",
    ]
    done = {r["preset"] for r in stored["results"].values()}
    missing = [key for key in PRESETS if key not in done]
    lines = [benchlib.markdown_table(header, rows)]
    if missing:
        lines.append(f"\nNot run yet: {', '.join(f'`{key}`' for key in missing)}.")
    if machine_text:
        lines.insert(0, machine_text + "\n")
    return "\n".join(lines)


def main() -> None:
    """Run what is missing (or asked for), saving after each preset; then render the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--presets", default="", help="comma-separated preset keys (default: all)")
    parser.add_argument("--datasets", choices=("own", "both"), default="own")
    parser.add_argument("--rerun", action="store_true", help="run even presets already stored")
    parser.add_argument("--quick", action="store_true", help="2k images, 1 epoch; separate file")
    parser.add_argument("--render", action="store_true", help="only redraw the table")
    parser.add_argument("--no-report", action="store_true")
    parser.add_argument("--child", nargs=2, metavar=("PRESET", "DATASET"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    path = QUICK_RESULTS_PATH if args.quick else RESULTS_PATH

    if args.child:
        benchlib.report_result(child(*args.child, quick=args.quick))
        return

    from nnlab import PRESETS

    keys = [key.strip() for key in args.presets.split(",") if key.strip()] or list(PRESETS)
    unknown = [key for key in keys if key not in PRESETS]
    if unknown:
        raise SystemExit(f"unknown preset(s): {', '.join(unknown)}; known: {', '.join(PRESETS)}")
    machine = benchlib.machine_record()
    print(benchlib.machine_line(machine))
    stored = _load(path)
    if not args.render:
        for key in keys:
            own = PRESETS[key].spec.dataset
            for dataset_name in [own] + ([OTHER_DATASET[own]] if args.datasets == "both" else []):
                entry = f"{key}@{dataset_name}"
                if entry in stored["results"] and not args.rerun:
                    print(f"{entry}: already measured, skipped (use --rerun)")
                    continue
                print(f"{entry}: training...", flush=True)
                child_args = [__file__, "--child", key, dataset_name]
                if args.quick:
                    child_args.append("--quick")
                try:
                    result = benchlib.run_child(child_args, timeout_s=4 * 3600)
                except RuntimeError as error:
                    print(f"{entry}: FAILED\n{error}", flush=True)
                    continue
                result["machine"] = benchlib.machine_line(machine)
                stored = _load(path)  # another invocation may have added results meanwhile
                stored["results"][entry] = result
                stored["machine"] = benchlib.machine_line(machine)
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(json.dumps(stored, indent=1, sort_keys=True) + "\n")
                print(
                    f"{entry}: {result['epochs_done']} epochs in {result['seconds']:.0f} s, "
                    f"val_acc {result['val_accuracy']:.4f}, test_acc "
                    f"{result['test_accuracy']:.4f} ({result['data_source']})",
                    flush=True,
                )
                if not (args.no_report or args.quick):
                    _write(path)
    table = render(path, stored.get("machine"))
    print(table)
    if not (args.no_report or args.quick):
        _write(path)


def _write(path: Path) -> None:
    body = f"""## Accuracy

Every preset trained to completion with its own settings through `nnlab.train`, each in a fresh
process, beside the number its tutorial published. Fashion-MNIST: the full set from Debian's
`dataset-fashion-mnist`. MNIST: the best copy this machine has; without internet that is the
bundled sample of 10,000 real digits (so the MNIST rows train on far fewer images than the
tutorials' 60,000 and test on the sample's test split: expect lower numbers). "ours" is the same
metric the tutorial published (last epoch's training accuracy, validation accuracy, or test
accuracy from `nnlab.evaluate`). Tutorial 000's sigmoid + MSE + SGD(0.2) network learns slowly
and counts on the tutorial's 6,000 weight updates (60,000 images / batch 100 x 10 epochs); the
8,000-image sample gives it 800, hence its low figure here. Results:
`benchmarks/results/accuracy.json` (resumable).
Command: `python benchmarks/bench_accuracy.py` (`--presets a,b` for a subset, `--render` to
redraw this table).

{render(path, _load(path).get("machine"))}
"""
    benchlib.write_section("accuracy", body)


if __name__ == "__main__":
    main()
