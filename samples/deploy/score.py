# Scoring script for the churn model samples/training trains (Python standard library only).
# Azure ML's inference server calls init() once, then run(raw_data) for each request:
#   {"data": [[tenure_months, monthly_charges, support_calls, "contract"], ...]}
# and answers {"predictions": [0 or 1, ...], "probabilities": [...]}.
import json
import math
import os
import random

model = None
# The share of requests this deployment fails on purpose (0 by default), all but its first. Only for trying a
# rollback: the deploy sample's candidateFaultRate parameter sets it on the new prod deployment, which the
# rollout then catches.
FAULT_RATE = float(os.environ.get("CHURN_FAULT_RATE", "0") or 0)


def _find_model_file(root):
    # AZUREML_MODEL_DIR holds the registered model's folder under its own name.
    for folder, _, files in os.walk(root):
        if "model.json" in files:
            return os.path.join(folder, "model.json")
    raise FileNotFoundError("model.json not found under %s" % root)


def init():
    global model
    path = _find_model_file(os.environ["AZUREML_MODEL_DIR"])
    with open(path) as f:
        model = json.load(f)
    print("Loaded %s model from %s" % (model["kind"], path), flush=True)


def _features(row):
    tenure, charges, calls, contract = row
    numeric = [float(tenure), float(charges), float(calls)]
    scaled = [(x - m) / s for x, m, s in zip(numeric, model["means"], model["scales"])]
    contracts = [name.split("=", 1)[1] for name in model["features"] if name.startswith("contract=")]
    return scaled + [1.0 if contract == c else 0.0 for c in contracts]


answered = 0


def run(raw_data):
    global answered
    answered += 1
    # The first request (the deploy's smoke test) is spared, so that the rollout's analysis is what catches it.
    if FAULT_RATE and answered > 1 and random.random() < FAULT_RATE:
        raise RuntimeError("injected failure (CHURN_FAULT_RATE=%s)" % FAULT_RATE)
    rows = json.loads(raw_data)["data"]
    probabilities = []
    for row in rows:
        z = model["bias"] + sum(w * x for w, x in zip(model["weights"], _features(row)))
        probabilities.append(1.0 / (1.0 + math.exp(-z)))
    return {"predictions": [1 if p >= 0.5 else 0 for p in probabilities], "probabilities": [round(p, 4) for p in probabilities]}
