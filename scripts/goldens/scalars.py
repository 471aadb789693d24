"""The table of plain scalar forms and what PyYAML (which az ml uses) resolves them to.

Run: /usr/bin/python3 scripts/goldens/scalars.py > test/fixtures/pyyaml-scalars.json
Each row: the scalar as written after `value: `, the Python type name yaml.safe_load gives, and
str() of the value (what azure-ai-ml sends for a literal input); "error" where PyYAML refuses it.
"""
import json
import sys

import yaml

FORMS = [
    # strings that look like numbers to other YAML parsers
    ".", "..", "...", "./src", "+", "_", "e", "E", "1e5", "1e-5", "1E+5", "1.0e5", "1.0e+5", "1.0E-5",
    "1.e+3", ".5", "-.5", "+.5", "5.", "1_000", "1_000.5", "0x1F", "0X1F", "0o17", "017", "0b101", "0b_1",
    "08", "09", "0", "-0", "+0", "00", "-1", "+1", "1", "123456789012345678901234567890", "3.14", "-3.14",
    "1.0", "10.0", "1.50", "0.1", "1e400", "1.0e400", "1.0e-400", "190:20:30", "1:20", "-1:20", "1:20.5",
    "1:60", "60:1", ".inf", "-.inf", "+.inf", ".Inf", ".INF", ".nan", ".NaN", ".NAN", "inf", "nan", "NaN",
    "Infinity",
    # booleans and nulls
    "true", "True", "TRUE", "tRUE", "false", "False", "FALSE", "yes", "Yes", "YES", "no", "No", "NO", "on",
    "On", "ON", "off", "Off", "OFF", "y", "Y", "n", "N", "null", "Null", "NULL", "~", "none", "None", "",
    # dates and timestamps
    "2023-01-15", "2023-1-5", "2023-01-15T10:20:30Z", "2023-01-15 10:20:30", "2023-01-15t10:20:30.5+02:00",
    "20230115",
    # reference forms used in job files
    "azureml:cpu-cluster", "azureml:env:1", "azureml:env@latest", "${{parent.inputs.x}}", "1.0.0", "1.2",
    "v1", "3.8", "3.10", "0.20.0", "1.x", "'1.0'", '"1"', "!!str 1", "!!int '7'", "!!float 1", "<<",
    "=",
]


def row(form):
    try:
        value = yaml.safe_load(f"value: {form}\n")["value"]
    except yaml.YAMLError as err:
        return {"source": form, "type": "error", "str": str(err).splitlines()[0]}
    return {"source": form, "type": type(value).__name__, "str": str(value)}


def main():
    rows = [row(form) for form in FORMS]
    json.dump({"generator": f"PyYAML {yaml.__version__} yaml.safe_load (scripts/goldens/scalars.py)", "rows": rows}, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
