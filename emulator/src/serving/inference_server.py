"""The emulator's stand-in for azureml-inference-server-http, with the Python standard library only.

It follows the contract of Azure ML's inference server: the user's scoring script
(AZUREML_ENTRY_SCRIPT, relative to AML_APP_ROOT) is imported, its init() runs once before the
server is ready, and each POST /score calls run(raw_data) with the request body as text. The
answer is run()'s return value as JSON. Routes, as the real server has them: GET / (liveness,
"Healthy"), POST /score, GET /swagger.json. The emulator reads the line "Listening at: <url>".

Environment: AZUREML_MODEL_DIR, AZUREML_ENTRY_SCRIPT, AML_APP_ROOT, and AZUREML_EMULATOR_CRASH
(an injected fault: the container crashes at start with the given reason).
"""
import importlib.util
import json
import os
import sys
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SERVER_VERSION = "azureml-inference-server-http (emulated)"


def log(message):
    print(message, flush=True)


def load_entry_script():
    app_root = os.environ.get("AML_APP_ROOT", os.getcwd())
    entry = os.environ.get("AZUREML_ENTRY_SCRIPT", "score.py")
    path = entry if os.path.isabs(entry) else os.path.join(app_root, entry)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"The entry script '{entry}' was not found in the code folder {app_root}.")
    sys.path.insert(0, app_root)
    spec = importlib.util.spec_from_file_location("entry_module", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for name in ("init", "run"):
        if not callable(getattr(module, name, None)):
            raise AttributeError(f"The entry script '{entry}' does not define {name}().")
    return module


def swagger_document():
    return {
        "swagger": "2.0",
        "info": {"title": "ML service", "description": "API specification for the Azure Machine Learning service ML service", "version": "1.0"},
        "schemes": ["https"],
        "consumes": ["application/json"],
        "produces": ["application/json"],
        "securityDefinitions": {"Bearer": {"type": "apiKey", "name": "Authorization", "in": "header"}},
        "paths": {
            "/": {"get": {"operationId": "ServiceHealthCheck", "responses": {"200": {"description": "Healthy"}}}},
            "/score": {
                "post": {
                    "operationId": "RunMLService",
                    "security": [{"Bearer": []}],
                    "parameters": [{"name": "serviceInputPayload", "in": "body", "schema": {"type": "object"}}],
                    "responses": {"200": {"description": "The result of run()"}, "500": {"description": "run() raised an exception"}},
                }
            },
        },
    }


class Handler(BaseHTTPRequestHandler):
    server_version = SERVER_VERSION
    entry = None

    def log_message(self, format, *args):
        log(f"{self.address_string()} - \"{self.requestline}\" {args[1] if len(args) > 1 else ''}")

    def answer(self, status, body, content_type="application/json"):
        data = body if isinstance(body, bytes) else body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        path = self.path.split("?")[0]
        if path == "/":
            self.answer(200, "Healthy", "text/plain; charset=utf-8")
        elif path == "/swagger.json":
            self.answer(200, json.dumps(swagger_document()))
        elif path == "/score":
            self.answer(405, json.dumps({"message": "GET is not supported on /score; POST the request body."}))
        else:
            self.answer(404, json.dumps({"message": f"Not found: {path}"}))

    def do_POST(self):
        path = self.path.split("?")[0]
        if path != "/score":
            self.answer(404, json.dumps({"message": f"Not found: {path}"}))
            return
        length = int(self.headers.get("Content-Length") or 0)
        raw_data = self.rfile.read(length).decode("utf-8")
        try:
            result = self.entry.run(raw_data)
        except Exception:
            log("Encountered Exception: " + traceback.format_exc())
            self.answer(500, json.dumps({"message": "An unexpected error occurred in scoring script. Check the logs for more info."}))
            return
        try:
            self.answer(200, json.dumps(result))
        except (TypeError, ValueError) as error:
            log(f"run() returned a value that is not JSON serializable: {error}")
            self.answer(500, json.dumps({"message": f"run() returned a value that is not JSON serializable: {error}"}))


def main():
    log(f"Azure ML Inferencing HTTP server: {SERVER_VERSION}")
    log(f"Server Settings: Entry Script Name: {os.environ.get('AZUREML_ENTRY_SCRIPT')}, Model Directory: {os.environ.get('AZUREML_MODEL_DIR')}")
    crash = os.environ.get("AZUREML_EMULATOR_CRASH")
    if crash:
        log(f"Exception in worker process: {crash}")
        log("Worker exiting")
        sys.exit(137)
    try:
        entry = load_entry_script()
        log("Initializing logger")
        entry.init()
    except Exception:
        log("User's init() failed or the entry script could not be loaded:")
        log(traceback.format_exc())
        log("Worker exiting")
        sys.exit(3)
    log("Users's init has completed successfully")
    Handler.entry = entry
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    log(f"Listening at: http://127.0.0.1:{server.server_address[1]}")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
