# Batch scoring script for the churn model (samples/batch/deployment.yml). Azure ML's batch runtime calls init()
# once per worker, then run(mini_batch) with a list of input file paths (CSV files with the training data's
# feature columns); with output_action append_row, every line run() returns is appended to the output file:
#   <file name>,<row>,<prediction 0 or 1>,<probability>
# The model is loaded and applied by score.py, the online scoring script beside this one (this folder is the
# deployment's code), so online and batch predictions cannot drift apart.
import csv
import json
import os

import score

FEATURES = ["tenure_months", "monthly_charges", "support_calls", "contract"]


def init():
    score.init()


def run(mini_batch):
    lines = []
    for path in mini_batch:
        with open(path, newline="") as f:
            rows = [[record[name] for name in FEATURES] for record in csv.DictReader(f)]
        result = score.run(json.dumps({"data": rows}))
        for index, (prediction, probability) in enumerate(zip(result["predictions"], result["probabilities"])):
            lines.append("%s,%d,%d,%s" % (os.path.basename(path), index, prediction, probability))
    print("Scored %d file(s), %d row(s)" % (len(mini_batch), len(lines)), flush=True)
    return lines
