"""Golden REST bodies from Microsoft's Python SDK for every job YAML of the test corpus.

Run with `npm run goldens` (Debian's /usr/bin/python3 with python3-azure, i.e. azure-ai-ml 1.4.0;
scripts/python/pydash stands in for the one dependency Debian lacks). For each job file of the two
corpora (test/fixtures/azureml-examples/jobs, copied from the reference data's shared/azureml-examples, and
test/fixtures/authored-jobs, written here for constructs the first has no example of) it does what
`az ml job create -f` does before any I/O: load_job(file), _to_job() where the entity has it,
_to_rest_object(), and writes the serialised JobBase body to test/fixtures/goldens/<same relative
path>.json (goldens/authored/<path>.json for the second corpus). Files azure-ai-ml refuses are
written with the refusal instead of a body.

Two things only a workspace would supply are filled in the same way for every file, and recorded
in the golden so test/jobSpec/goldens.test.ts can do the same on the task's side:
  * local paths the YAML names but the corpus does not carry (code folders) are created empty in a
    temporary copy of the corpus (azure-ai-ml checks they exist; their content only matters for
    the upload, which neither side does here);
  * azure-ai-ml 1.4.0 requires `compute` on command, sweep and some step types (later versions
    default to serverless); when it is missing, the load is repeated with the override
    compute=azureml:goldens-compute, recorded as "overrides".
"""
import json
import os
import re
import shutil
import sys
import tempfile
import traceback

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
FIXTURES = os.path.join(REPO, "test", "fixtures")
OUT = os.path.join(FIXTURES, "goldens")
# (corpus folder, where its goldens go); the second is inside the first's, so it is written after.
CORPORA = [
    (os.path.join(FIXTURES, "azureml-examples", "jobs"), OUT),
    (os.path.join(FIXTURES, "authored-jobs"), os.path.join(OUT, "authored")),
]
COMPUTE_OVERRIDE = {"compute": "azureml:goldens-compute"}
# Batch endpoint and deployment files: the azureml-examples batch corpus and files written here in the form
# azure-ai-ml 1.4 reads (settings at the top level; it refuses the newer `settings:` form and `type: pipeline`).
# Written to their own folder: the job goldens' test reads every file under goldens/.
BATCH_OUT = os.path.join(FIXTURES, "batch-goldens")
BATCH_CORPORA = [
    (os.path.join(FIXTURES, "azureml-examples", "endpoints", "batch"), os.path.join(BATCH_OUT, "azureml-examples")),
    (os.path.join(FIXTURES, "authored-batch"), os.path.join(BATCH_OUT, "authored")),
]
MISSING_PATH = re.compile(r"Can't find directory or file in resolved absolute path: ([^\"\\;\s]+?)\.(?=[\"\\;\s]|$)")


def is_job_file(path):
    """The corpus test's rule: a job schema, or (no $schema) fields only jobs have."""
    import yaml

    with open(path, encoding="utf-8") as f:
        try:
            data = yaml.safe_load(f)
        except yaml.YAMLError:
            return False
    if not isinstance(data, dict):
        return False
    schema = data.get("$schema")
    if isinstance(schema, str):
        return re.search(r"job\.schema\.json$", schema.strip(), re.I) is not None
    return any(k in data for k in ("command", "jobs", "trial")) and "version" not in data


def to_body(job):
    entity = job._to_job() if hasattr(job, "_to_job") else job
    rest = entity._to_rest_object()
    return rest.serialize(keep_readonly=False)


def load(path, overrides):
    from azure.ai.ml import load_job

    return load_job(path, params_override=[overrides] if overrides else None)


def golden(path, work_root):
    """Loads one file, creating missing local paths and adding compute as needed."""
    overrides = {}
    created = []
    for _ in range(20):
        try:
            body = to_body(load(path, overrides))
            return {"overrides": overrides, "createdPaths": created, "body": body}
        except Exception as err:  # noqa: BLE001 - every refusal is recorded
            text = str(err)
            missing = [m for m in MISSING_PATH.findall(text) if m.startswith(work_root)]
            fresh = [m for m in missing if not os.path.exists(m)]
            if fresh:
                for m in fresh:
                    rel = os.path.relpath(m, work_root)
                    if os.path.splitext(m)[1]:
                        os.makedirs(os.path.dirname(m), exist_ok=True)
                        open(m, "w").close()
                    else:
                        os.makedirs(m, exist_ok=True)
                        open(os.path.join(m, "placeholder.txt"), "w").close()
                    created.append(rel)
                continue
            if re.search(r'compute\W[^M]{0,20}Missing data for required field', text) and "compute" not in overrides:
                overrides.update(COMPUTE_OVERRIDE)
                continue
            return {"overrides": overrides, "createdPaths": created, "refused": first_message(err)}
    return {"overrides": overrides, "createdPaths": created, "refused": "too many missing paths"}


def first_message(err):
    text = str(err).strip()
    return text[:4000]


def main():
    if os.environ.get("PYTHONHASHSEED") != "0":
        # azure-ai-ml dumps some component fields in set order: fix the hash seed so reruns agree.
        os.execve(sys.executable, [sys.executable, *sys.argv], {**os.environ, "PYTHONHASHSEED": "0"})
    try:
        import azure.ai.ml
    except ImportError as err:
        print(f"npm run goldens needs azure-ai-ml for /usr/bin/python3: apt-get install python3-azure ({err})", file=sys.stderr)
        return 2

    version = getattr(azure.ai.ml, "__version__", "unknown")
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    for corpus, out in CORPORA:
        write_goldens(corpus, out, version)
    if os.path.isdir(BATCH_OUT):
        shutil.rmtree(BATCH_OUT)
    for corpus, out in BATCH_CORPORA:
        write_batch_goldens(corpus, out, version)
    # The schedule corpus (schedules.py), into its own folder.
    from schedules import write_schedule_goldens

    write_schedule_goldens(version)


def batch_resource(path):
    """endpoint / deployment by $schema, as test/deploySpec/batchGoldens.test.ts tells them; others are skipped."""
    import yaml

    with open(path, encoding="utf-8") as f:
        data = yaml.safe_load(f)
    schema = data.get("$schema") if isinstance(data, dict) else None
    if not isinstance(schema, str):
        return None
    if re.search(r"batchEndpoint\.schema\.json$", schema, re.I):
        return "endpoint"
    if re.search(r"BatchDeployment\.schema\.json$", schema, re.I):
        return "deployment"
    return None


def write_batch_goldens(corpus, out, version):
    """What `az ml batch-endpoint/batch-deployment create -f` builds before any I/O: load, then the REST body.
    References stay as the YAML names them (azure-ai-ml resolves them to ARM ids only against a workspace)."""
    from azure.ai.ml import load_batch_deployment, load_batch_endpoint

    files = []
    for dirpath, _, names in os.walk(corpus):
        files += [os.path.join(dirpath, n) for n in names if n.endswith((".yml", ".yaml")) and batch_resource(os.path.join(dirpath, n))]
    counts = {"body": 0, "refused": 0}
    for path in sorted(files):
        rel = os.path.relpath(path, corpus).replace(os.sep, "/")
        resource = batch_resource(path)
        try:
            if resource == "endpoint":
                body = load_batch_endpoint(path)._to_rest_batch_endpoint("westeurope").serialize(keep_readonly=False)
            else:
                body = load_batch_deployment(path)._to_rest_object(location="westeurope").serialize(keep_readonly=False)
            result = {"body": body}
        except Exception as err:  # noqa: BLE001 - every refusal is recorded
            result = {"refused": first_message(err)}
        counts["body" if "body" in result else "refused"] += 1
        record = {"file": rel, "resource": resource, "sdk": f"azure-ai-ml {version}", **result}
        text = json.dumps(record, indent=2, sort_keys=True, default=str).replace(corpus + "/", "<corpus>/")
        target = os.path.join(out, rel + ".json")
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "w", encoding="utf-8") as f:
            f.write(text + "\n")
    print(f"goldens: {os.path.relpath(corpus, REPO)}: {len(files)} batch files, {counts['body']} bodies, {counts['refused']} refused by azure-ai-ml {version}")


def write_goldens(corpus, out, version):
    work = tempfile.mkdtemp(prefix="goldens-")
    try:
        work_corpus = os.path.join(work, "jobs")
        shutil.copytree(corpus, work_corpus)
        files = []
        for dirpath, _, names in os.walk(work_corpus):
            for name in names:
                if name.endswith((".yml", ".yaml")) and is_job_file(os.path.join(dirpath, name)):
                    files.append(os.path.join(dirpath, name))
        files.sort()
        counts = {"body": 0, "refused": 0}
        for path in files:
            rel = os.path.relpath(path, work_corpus)
            try:
                result = golden(path, work_corpus)
            except Exception:  # noqa: BLE001
                result = {"refused": "crash: " + traceback.format_exc(limit=3)}
            counts["body" if "body" in result else "refused"] += 1
            record = {"file": rel.replace(os.sep, "/"), "sdk": f"azure-ai-ml {version}", **result}
            # Paths inside the temporary copy are written relative to the corpus.
            text = json.dumps(record, indent=2, sort_keys=True, default=str).replace(work_corpus + "/", "<corpus>/")
            text = re.sub(r" at 0x[0-9a-f]+>", ">", text)  # object addresses differ per run
            target = os.path.join(out, rel + ".json")
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with open(target, "w", encoding="utf-8") as f:
                f.write(text + "\n")
        print(f"goldens: {os.path.relpath(corpus, REPO)}: {len(files)} job files, {counts['body']} bodies, {counts['refused']} refused by azure-ai-ml {version}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
