"""Golden Schedule bodies from azure-ai-ml 1.4.0 for the schedule corpus (run by generate.py, `npm run goldens`).

The schedule files of test/fixtures/azureml-examples/schedules name `create_job: ./simple-pipeline-job.yml`,
which that copy does not carry; like test/jobSpec/schedule*.test.ts, they are staged in a temporary folder with
the files of test/fixtures/authored-schedules (the pipeline job, and schedules written here). For each schedule
file: load_schedule(file), _to_rest_object(), serialize; written to test/fixtures/schedule-goldens/<name>.json,
or the refusal when azure-ai-ml refuses the file.
"""
import json
import os
import shutil
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "..", "test", "fixtures")
CORPORA = [os.path.join(FIXTURES, "azureml-examples", "schedules"), os.path.join(FIXTURES, "authored-schedules")]
# Beside goldens/, not in it: the job golden test reads every file under goldens/.
OUT = os.path.join(FIXTURES, "schedule-goldens")


def is_schedule_file(path):
    import yaml

    with open(path, encoding="utf-8") as f:
        data = yaml.safe_load(f)
    return isinstance(data, dict) and "trigger" in data


def write_schedule_goldens(version):
    from azure.ai.ml.entities._load_functions import load_schedule

    work = tempfile.mkdtemp(prefix="schedule-goldens-")
    try:
        for corpus in CORPORA:
            for name in os.listdir(corpus):
                shutil.copy(os.path.join(corpus, name), os.path.join(work, name))
        if os.path.isdir(OUT):
            shutil.rmtree(OUT)
        os.makedirs(OUT)
        counts = {"body": 0, "refused": 0}
        for name in sorted(os.listdir(work)):
            path = os.path.join(work, name)
            if not name.endswith(".yml") or not is_schedule_file(path):
                continue
            try:
                result = {"body": load_schedule(path)._to_rest_object().serialize(keep_readonly=False)}
            except Exception as err:  # noqa: BLE001 - every refusal is recorded
                result = {"refused": str(err).strip()[:4000]}
            counts["body" if "body" in result else "refused"] += 1
            result["azureAiMl"] = version
            with open(os.path.join(OUT, name[: -len(".yml")] + ".json"), "w", encoding="utf-8") as f:
                json.dump(result, f, indent=1, sort_keys=True)
                f.write("\n")
        print(f"goldens: schedules: {counts['body']} bodies, {counts['refused']} refused by azure-ai-ml {version}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    import azure.ai.ml

    write_schedule_goldens(getattr(azure.ai.ml, "__version__", "unknown"))
