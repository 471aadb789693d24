"""Microsoft's Python SDK (azure-ai-ml, as Debian's python3-azure ships it) against the emulator.

Run by peers.peer.ts with HTTPS_PROXY and REQUESTS_CA_BUNDLE from connection.json. Each step does
what a user does against Azure and prints one JSON line: {"step": ..., "ok": true, ...facts} or
{"step": ..., "ok": false, "error": ...}; the test asserts on them.
"""
import json
import os
import sys
import traceback

from azure.ai.ml import Input, MLClient, command
from azure.ai.ml.entities import (
    BatchDeployment, BatchEndpoint, CodeConfiguration, CronTrigger, Environment, JobSchedule, ManagedOnlineDeployment, ManagedOnlineEndpoint, Model, PipelineJob,
)
from azure.identity import ClientSecretCredential


def report(step, **facts):
    print(json.dumps({"step": step, "ok": True, **facts}), flush=True)


def run(step, action):
    try:
        action()
    except Exception as error:  # the test prints the traceback of whatever failed
        print(json.dumps({"step": step, "ok": False, "error": f"{type(error).__name__}: {error}", "trace": traceback.format_exc()}), flush=True)


def main():
    connection = json.load(open(sys.argv[1], encoding="utf-8"))
    fixtures = sys.argv[2]
    job_name = sys.argv[3]
    credential = ClientSecretCredential(connection["tenantId"], connection["secret"]["clientId"], connection["secret"]["clientSecret"])
    ml_client = MLClient(credential, connection["subscriptionId"], connection["resourceGroupName"], connection["workspaceName"])

    def workspace_get():
        workspace = ml_client.workspaces.get(connection["workspaceName"])
        report("workspace get", name=workspace.name, location=workspace.location, id=workspace.id)

    def compute_get():
        compute = ml_client.compute.get("cpu-cluster")
        report("compute get", name=compute.name, type=compute.type, size=compute.size, max_instances=compute.max_instances)

    def job_submit_and_stream():
        job = command(
            name=job_name,
            code=f"{fixtures}/train",
            command="python3 hello.py ${{inputs.greeting}}",
            inputs={"greeting": "peers"},
            environment=Environment(image="mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04"),
            compute="cpu-cluster",
            experiment_name="peer-clients",
            display_name="peer client job",
        )
        submitted = ml_client.jobs.create_or_update(job)
        report("job submit", name=submitted.name, status=submitted.status, studio_url=submitted.studio_url)
        ml_client.jobs.stream(submitted.name)
        finished = ml_client.jobs.get(submitted.name)
        report("job stream", name=finished.name, status=finished.status)

    def model_create():
        model = ml_client.models.create_or_update(Model(name="peer-model", path=f"{fixtures}/model", type="custom_model", description="from azure-ai-ml"))
        report("model create", name=model.name, version=model.version, path=model.path)

    def endpoint_and_deployment_create():
        endpoint = ml_client.online_endpoints.begin_create_or_update(ManagedOnlineEndpoint(name="peer-endpoint", auth_mode="key")).result()
        keys = ml_client.online_endpoints.get_keys(endpoint.name)
        report("online endpoint create", name=endpoint.name, provisioning_state=endpoint.provisioning_state, scoring_uri=endpoint.scoring_uri, has_key=bool(keys.primary_key))
        deployment = ManagedOnlineDeployment(
            name="blue",
            endpoint_name=endpoint.name,
            model=Model(path=f"{fixtures}/model"),
            environment=Environment(image="mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04"),
            code_configuration=CodeConfiguration(code=f"{fixtures}/score", scoring_script="score.py"),
            instance_type="Standard_DS3_v2",
            instance_count=1,
        )
        created = ml_client.online_deployments.begin_create_or_update(deployment).result()
        report("online deployment create", name=created.name, provisioning_state=created.provisioning_state)
        endpoint.traffic = {"blue": 100}
        updated = ml_client.online_endpoints.begin_create_or_update(endpoint).result()
        report("online endpoint traffic", traffic=updated.traffic)

    def registry_model_get_and_download():
        # MLClient(registry_name=...): registry discovery, the version from the registry's resource provider, its files through the data-reference SAS.
        registry = MLClient(credential, registry_name="mlr-shared")
        model = registry.models.get("credit-default", "1")
        report("registry model get", name=model.name, version=model.version, type=model.type, path=model.path, tags=model.tags)
        target = os.path.join(os.environ["HOME"], "registry-download")
        registry.models.download("credit-default", "1", download_path=target)
        files = sorted(os.path.relpath(os.path.join(root, f), target) for root, _, names in os.walk(target) for f in names)
        report("registry model download", files=files)

    def endpoint_list():
        endpoints = list(ml_client.online_endpoints.list())
        report("online endpoint list", names=[e.name for e in endpoints])

    def batch_endpoint_deploy_and_invoke():
        ml_client.batch_endpoints.begin_create_or_update(BatchEndpoint(name="peer-batch")).result()
        endpoint = ml_client.batch_endpoints.get("peer-batch")
        report("batch endpoint create", name=endpoint.name, provisioning_state=endpoint.provisioning_state, scoring_uri=endpoint.scoring_uri)
        deployment = BatchDeployment(
            name="scorer",
            endpoint_name=endpoint.name,
            model=Model(path=f"{fixtures}/model"),
            environment=Environment(image="mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04"),
            code_configuration=CodeConfiguration(code=f"{fixtures}/batch-score", scoring_script="batch_score.py"),
            compute="cpu-cluster",
            mini_batch_size=1,
            output_file_name="predictions.csv",
        )
        ml_client.batch_deployments.begin_create_or_update(deployment).result()
        created = ml_client.batch_deployments.get("scorer", endpoint.name)
        report("batch deployment create", name=created.name, mini_batch_size=created.mini_batch_size, compute=created.compute)
        endpoint = ml_client.batch_endpoints.get(endpoint.name)
        endpoint.defaults.deployment_name = created.name
        ml_client.batch_endpoints.begin_create_or_update(endpoint).result()
        endpoint = ml_client.batch_endpoints.get(endpoint.name)
        report("batch endpoint default", default=endpoint.defaults.deployment_name)
        job = ml_client.batch_endpoints.invoke(endpoint_name=endpoint.name, input=Input(type="uri_folder", path=f"{fixtures}/batch-input"))
        ml_client.jobs.stream(job.name)
        finished = ml_client.jobs.get(job.name)
        # jobs.download needs run history's rundata API, which the emulator does not have: the test reads the output's blob.
        report("batch invoke", name=finished.name, status=finished.status, output=finished.outputs["score"].path)

    def schedule_create():
        # azure-ai-ml 1.4.0 schedules pipeline jobs only.
        step = command(command="echo retraining", environment=Environment(image="mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04"))
        job = PipelineJob(jobs={"retrain": step}, compute="cpu-cluster")
        schedule = JobSchedule(name="peer-weekly", trigger=CronTrigger(expression="0 3 * * 1", time_zone="Pacific Standard Time"), create_job=job)
        created = ml_client.schedules.begin_create_or_update(schedule).result()
        report("schedule create", name=created.name, is_enabled=created.is_enabled, provisioning_state=created.provisioning_state, expression=created.trigger.expression)
        disabled = ml_client.schedules.begin_disable("peer-weekly").result()
        report("schedule disable", is_enabled=disabled.is_enabled, listed=[s.name for s in ml_client.schedules.list()])

    run("workspace get", workspace_get)
    run("compute get", compute_get)
    run("job submit", job_submit_and_stream)
    run("model create", model_create)
    run("online endpoint create", endpoint_and_deployment_create)
    run("online endpoint list", endpoint_list)
    run("registry model get", registry_model_get_and_download)
    run("batch invoke", batch_endpoint_deploy_and_invoke)
    run("schedule create", schedule_create)


if __name__ == "__main__":
    main()
