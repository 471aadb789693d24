"""The emulator's stand-in for Azure ML's parallel run step (PRS), run as a parallel step's command.

Usage: python3 parallelDriver.py --entry_script score.py --input_data <path> [--mini_batch_size 10|10kb]
  [--error_threshold N] [--mini_batch_error_threshold N] [--max_retries N] [--timeout SECONDS] [--workers N]
  [--append_row_to <path>] [--output_file_name parallel_run_step.txt] -- <program arguments>

As on a compute node: the files of input_data are split into mini-batches (mini_batch_size files each,
or, with a size such as 10kb, files adding up to that size); worker processes each import the entry
script with the program arguments in sys.argv, call its init() once and then run(mini_batch) with a
list of file paths for each mini-batch they are given (retried up to max_retries times when it
raises or runs longer than timeout seconds), and shutdown() if it has one. A mini-batch that raises every time fails all its files; a
run() that returns fewer rows than it got files fails the difference. The step fails when more files
than error_threshold, or more mini-batches than mini_batch_error_threshold, failed (-1: no limit).
With append_row_to, the rows every run() returned are written in mini-batch order to
output_file_name in that folder (or to that file), one line each: a string as it is, a list or
tuple (or a pandas DataFrame's row) as its items joined by spaces.
Only the Python standard library is used.
"""
import argparse
import importlib.util
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import traceback

SIZE = re.compile(r"^\s*(\d+)\s*(kb|mb|gb)?\s*$", re.I)
UNITS = {None: None, "kb": 1024, "mb": 1024 ** 2, "gb": 1024 ** 3}


def parse(argv):
    cut = argv.index("--") if "--" in argv else len(argv)
    parser = argparse.ArgumentParser(prog="parallel run")
    parser.add_argument("--entry_script", required=True)
    parser.add_argument("--input_data", required=True)
    parser.add_argument("--mini_batch_size", default="10")
    parser.add_argument("--error_threshold", type=int, default=-1)
    parser.add_argument("--mini_batch_error_threshold", type=int, default=-1)
    parser.add_argument("--max_retries", type=int, default=3)
    parser.add_argument("--timeout", type=int, default=0)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--append_row_to")
    parser.add_argument("--output_file_name", default="parallel_run_step.txt")
    parser.add_argument("--worker", nargs=2, metavar=("TASKS", "RESULTS"))
    return parser.parse_args(argv[:cut]), argv[cut + 1:]


def files_of(input_data):
    if os.path.isfile(input_data):
        return [input_data]
    if not os.path.isdir(input_data):
        raise SystemExit(f"parallel run: input_data '{input_data}' is neither a file nor a folder")
    found = []
    for folder, dirs, names in os.walk(input_data):
        dirs.sort()
        found.extend(os.path.join(folder, n) for n in sorted(names) if n != "MLTable")
    return found


def mini_batches(items, mini_batch_size):
    match = SIZE.match(str(mini_batch_size))
    if not match or int(match.group(1)) < 1:
        raise SystemExit(f"parallel run: mini_batch_size '{mini_batch_size}' is neither a file count nor a size such as 10kb")
    count, unit = int(match.group(1)), UNITS[(match.group(2) or "").lower() or None]
    if unit is None:
        return [items[i:i + count] for i in range(0, len(items), count)]
    limit, batches, current, size = count * unit, [], [], 0
    for item in items:
        item_size = os.path.getsize(item)
        if current and size + item_size > limit:
            batches.append(current)
            current, size = [], 0
        current.append(item)
        size += item_size
    return batches + ([current] if current else [])


def row_lines(result):
    if hasattr(result, "itertuples"):  # a pandas DataFrame
        return [" ".join(str(v) for v in row) for row in result.itertuples(index=False)]
    lines = []
    for row in result or []:
        lines.append(" ".join(str(v) for v in row) if isinstance(row, (list, tuple)) else str(row))
    return lines


class RunTimeout(Exception):
    pass


def on_alarm(_signum, _frame):
    raise RunTimeout("run() took longer than the timeout of retry_settings")


def work(options, program_args):
    """One worker process: init() once, run() per mini-batch, results as JSON lines."""
    tasks_file, results_file = options.worker
    with open(tasks_file, encoding="utf-8") as f:
        tasks = json.load(f)
    sys.argv = [options.entry_script, *program_args]
    sys.path.insert(0, os.getcwd())
    spec = importlib.util.spec_from_file_location("entry_script", os.path.abspath(options.entry_script))
    entry = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(entry)
    if hasattr(entry, "init"):
        entry.init()
    signal.signal(signal.SIGALRM, on_alarm)
    with open(results_file, "w", encoding="utf-8") as out:
        for index, batch in tasks:
            record = {"batch": index, "size": len(batch), "rows": [], "error": None}
            for attempt in range(options.max_retries + 1):
                try:
                    signal.alarm(options.timeout)  # 0: no timeout
                    try:
                        result = entry.run(batch)
                    finally:
                        signal.alarm(0)
                    record["rows"], record["error"] = row_lines(result), None
                    record["returned"] = len(result) if result is not None and hasattr(result, "__len__") else 0
                    break
                except Exception:  # noqa: BLE001 - the entry script's failure is the mini-batch's
                    record["error"] = traceback.format_exc()
                    print(f"mini-batch {index} attempt {attempt + 1} failed:\n{record['error']}", file=sys.stderr, flush=True)
            out.write(json.dumps(record) + "\n")
            out.flush()
    if hasattr(entry, "shutdown"):
        entry.shutdown()


def drive(options, program_args):
    batches = mini_batches(files_of(options.input_data), options.mini_batch_size)
    workers = max(1, min(options.workers, len(batches)))
    print(f"parallel run: {len(batches)} mini-batch(es) of {options.input_data} on {workers} worker process(es)", flush=True)
    scratch = tempfile.mkdtemp(prefix="prs-")
    processes = []
    for w in range(workers):
        tasks = os.path.join(scratch, f"tasks{w}.json")
        with open(tasks, "w", encoding="utf-8") as f:
            json.dump([[i, b] for i, b in enumerate(batches) if i % workers == w], f)
        results = os.path.join(scratch, f"results{w}.jsonl")
        open(results, "w").close()
        command = [sys.executable, os.path.abspath(__file__), "--entry_script", options.entry_script, "--input_data", options.input_data,
                   "--max_retries", str(options.max_retries), "--timeout", str(options.timeout), "--worker", tasks, results, "--", *program_args]
        processes.append((w, subprocess.Popen(command), results))
    records, crashed = {}, []
    for w, process, results in processes:
        if process.wait() != 0:
            crashed.append(f"worker {w} exited with code {process.returncode}")
        with open(results, encoding="utf-8") as f:
            for line in f:
                record = json.loads(line)
                records[record["batch"]] = record
    failed_batches = [i for i in range(len(batches)) if i not in records or records[i]["error"]]
    failed_items = sum(len(batches[i]) for i in failed_batches)
    failed_items += sum(max(0, r["size"] - r.get("returned", 0)) for r in records.values() if not r["error"])
    if options.append_row_to:
        target = options.append_row_to
        if os.path.isdir(target):
            target = os.path.join(target, options.output_file_name)
        os.makedirs(os.path.dirname(target) or ".", exist_ok=True)
        with open(target, "w", encoding="utf-8") as f:
            for i in sorted(records):
                for line in records[i]["rows"]:
                    f.write(line + "\n")
        print(f"parallel run: rows appended to {target}", flush=True)
    print(f"parallel run: {len(batches) - len(failed_batches)} of {len(batches)} mini-batch(es) succeeded; {failed_items} file(s) failed", flush=True)
    problems = list(crashed)
    if options.error_threshold != -1 and failed_items > options.error_threshold:
        problems.append(f"{failed_items} failed file(s) exceed error_threshold {options.error_threshold}")
    if options.mini_batch_error_threshold != -1 and len(failed_batches) > options.mini_batch_error_threshold:
        problems.append(f"{len(failed_batches)} failed mini-batch(es) exceed mini_batch_error_threshold {options.mini_batch_error_threshold}")
    if problems:
        print("parallel run failed: " + "; ".join(problems), file=sys.stderr, flush=True)
        return 1
    return 0


def main():
    options, program_args = parse(sys.argv[1:])
    if options.worker:
        work(options, program_args)
        return 0
    return drive(options, program_args)


if __name__ == "__main__":
    sys.exit(main())
