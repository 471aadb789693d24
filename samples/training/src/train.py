"""Trains a churn classifier (logistic regression by batch gradient descent) on a CSV file.

Standard library only, so it runs on any Python 3.8+ image. Metrics go to the workspace's MLflow
tracking server through MLflow's REST API (the job's MLFLOW_TRACKING_URI, MLFLOW_TRACKING_TOKEN and
MLFLOW_RUN_ID, which Azure ML sets); the model goes to the folder given by --model-dir (the job's
`model` output) as model.json, with an MLmodel file describing it.
"""
import argparse
import csv
import json
import math
import os
import random
import ssl
import sys
import time
import urllib.error
import urllib.request

CONTRACTS = ["month-to-month", "one-year", "two-year"]
NUMERIC = ["tenure_months", "monthly_charges", "support_calls"]
LABEL = "churned"


class MlflowClient:
    """The few MLflow REST calls this script needs; prints instead when no tracking server is set."""

    def __init__(self):
        uri = os.environ.get("MLFLOW_TRACKING_URI", "")
        # Azure ML hands out azureml://<region>.api.azureml.ms/mlflow/...; the REST API is the same host over https.
        if uri.startswith("azureml://"):
            uri = "https://" + uri[len("azureml://"):]
        self.base = uri.rstrip("/") + "/api/2.0/mlflow/" if uri.startswith("https://") else None
        self.token = os.environ.get("MLFLOW_TRACKING_TOKEN", "")
        self.run_id = os.environ.get("MLFLOW_RUN_ID", "")
        cafile = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("SSL_CERT_FILE")
        context = ssl.create_default_context(cafile=cafile) if cafile else ssl.create_default_context()
        # ProxyHandler() reads HTTPS_PROXY / NO_PROXY from the environment.
        self.opener = urllib.request.build_opener(urllib.request.ProxyHandler(), urllib.request.HTTPSHandler(context=context))

    @property
    def enabled(self):
        return bool(self.base and self.run_id)

    def post(self, operation, body):
        if not self.enabled:
            return
        data = json.dumps(body).encode("utf-8")
        for attempt in range(4):
            request = urllib.request.Request(self.base + operation, data=data, method="POST")
            request.add_header("Content-Type", "application/json")
            if self.token:
                request.add_header("Authorization", "Bearer " + self.token)
            try:
                with self.opener.open(request, timeout=30) as response:
                    response.read()
                    return
            except urllib.error.HTTPError as error:
                if error.code not in (429, 500, 502, 503, 504) or attempt == 3:
                    raise RuntimeError("MLflow %s failed: HTTP %d %s" % (operation, error.code, error.read()[:300]))
            except urllib.error.URLError:
                if attempt == 3:
                    raise
            time.sleep(2 ** attempt)

    def log_metrics(self, values, step):
        now = int(time.time() * 1000)
        metrics = [{"key": k, "value": float(v), "timestamp": now, "step": step} for k, v in values.items()]
        self.post("runs/log-batch", {"run_id": self.run_id, "metrics": metrics})

    def log_metric(self, key, value, step=0):
        self.post("runs/log-metric", {"run_id": self.run_id, "key": key, "value": float(value), "timestamp": int(time.time() * 1000), "step": step})

    def log_params(self, params):
        self.post("runs/log-batch", {"run_id": self.run_id, "params": [{"key": k, "value": str(v)} for k, v in params.items()]})


def load_rows(path):
    if os.path.isdir(path):
        names = sorted(n for n in os.listdir(path) if n.endswith(".csv"))
        if not names:
            sys.exit("error: --data %s is a folder without a .csv file" % path)
        path = os.path.join(path, names[0])
    with open(path, newline="") as f:
        reader = csv.DictReader(f)
        missing = [c for c in NUMERIC + ["contract", LABEL] if c not in (reader.fieldnames or [])]
        if missing:
            sys.exit("error: %s has no column(s) %s" % (path, ", ".join(missing)))
        rows = list(reader)
    if not rows:
        sys.exit("error: %s has no rows" % path)
    return rows


def features(row):
    return [float(row[c]) for c in NUMERIC] + [1.0 if row["contract"] == c else 0.0 for c in CONTRACTS[1:]]


def sigmoid(z):
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


def standardize(matrix):
    columns = list(zip(*matrix))
    means = [sum(c) / len(c) for c in columns]
    scales = [math.sqrt(sum((v - m) ** 2 for v in c) / len(c)) or 1.0 for c, m in zip(columns, means)]
    return means, scales


def scaled(x, means, scales):
    return [(v - m) / s for v, m, s in zip(x, means, scales)]


def predict(weights, bias, x):
    return sigmoid(bias + sum(w * v for w, v in zip(weights, x)))


def evaluate(weights, bias, xs, ys):
    eps = 1e-12
    probabilities = [predict(weights, bias, x) for x in xs]
    loss = -sum(y * math.log(p + eps) + (1 - y) * math.log(1 - p + eps) for p, y in zip(probabilities, ys)) / len(ys)
    accuracy = sum((p >= 0.5) == (y == 1) for p, y in zip(probabilities, ys)) / len(ys)
    return loss, accuracy


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="CSV file (or folder holding one) with the training data")
    parser.add_argument("--learning-rate", type=float, default=0.1)
    parser.add_argument("--epochs", type=int, default=200)
    parser.add_argument("--test-fraction", type=float, default=0.25)
    parser.add_argument("--model-dir", required=True, help="folder to write the model to")
    args = parser.parse_args()
    if args.learning_rate <= 0 or args.epochs <= 0 or not 0 < args.test_fraction < 1:
        sys.exit("error: --learning-rate and --epochs must be positive and --test-fraction between 0 and 1")

    mlflow = MlflowClient()
    rows = load_rows(args.data)
    random.Random(42).shuffle(rows)
    split = int(len(rows) * (1 - args.test_fraction))
    raw_x = [features(r) for r in rows]
    ys = [int(r[LABEL]) for r in rows]
    means, scales = standardize(raw_x[:split])
    xs = [scaled(x, means, scales) for x in raw_x]
    train_x, train_y, test_x, test_y = xs[:split], ys[:split], xs[split:], ys[split:]
    print("Training on %d rows, testing on %d (%d features)" % (len(train_x), len(test_x), len(xs[0])))
    mlflow.log_params({"learning_rate": args.learning_rate, "epochs": args.epochs, "train_rows": len(train_x), "test_rows": len(test_x)})

    weights, bias = [0.0] * len(xs[0]), 0.0
    report_every = max(1, args.epochs // 10)
    for epoch in range(1, args.epochs + 1):
        grad_w, grad_b = [0.0] * len(weights), 0.0
        for x, y in zip(train_x, train_y):
            error = predict(weights, bias, x) - y
            grad_w = [g + error * v for g, v in zip(grad_w, x)]
            grad_b += error
        weights = [w - args.learning_rate * g / len(train_x) for w, g in zip(weights, grad_w)]
        bias -= args.learning_rate * grad_b / len(train_x)
        if epoch % report_every == 0 or epoch == args.epochs:
            loss, accuracy = evaluate(weights, bias, train_x, train_y)
            print("epoch %4d  train_loss %.4f  train_accuracy %.3f" % (epoch, loss, accuracy), flush=True)
            mlflow.log_metrics({"train_loss": loss, "train_accuracy": accuracy}, step=epoch)

    test_loss, test_accuracy = evaluate(weights, bias, test_x, test_y)
    print("test_loss %.4f  test_accuracy %.3f" % (test_loss, test_accuracy))
    mlflow.log_metric("loss", test_loss)
    mlflow.log_metric("accuracy", test_accuracy)

    os.makedirs(args.model_dir, exist_ok=True)
    model = {
        "kind": "logistic_regression",
        "features": NUMERIC + ["contract=" + c for c in CONTRACTS[1:]],
        "means": means,
        "scales": scales,
        "weights": weights,
        "bias": bias,
        "metrics": {"accuracy": test_accuracy, "loss": test_loss},
    }
    with open(os.path.join(args.model_dir, "model.json"), "w") as f:
        json.dump(model, f, indent=2)
    with open(os.path.join(args.model_dir, "MLmodel"), "w") as f:
        f.write("artifact_path: model\nflavors:\n  custom:\n    data: model.json\n    loader: train.py\nrun_id: %s\n" % (mlflow.run_id or "local"))
    print("Model written to %s" % args.model_dir)
    if not mlflow.enabled:
        print("MLFLOW_TRACKING_URI/MLFLOW_RUN_ID not set: metrics were printed only.")


if __name__ == "__main__":
    main()
