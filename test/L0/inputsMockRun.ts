// Child process of the L0 input tests: the agent's view of one step of the task L0_TASK (its folder under
// tasks/) with the inputs of L0_INPUTS, then the real task with the real task-lib. The scenarios fail on their
// inputs, before any connection is made.
import * as path from "node:path";

const inputs = JSON.parse(process.env.L0_INPUTS ?? "{}") as Record<string, string>;
for (const [name, value] of Object.entries({ azureSubscription: "conn", resourceGroupName: "rg-ml", workspaceName: "mlws", ...inputs })) {
  process.env[`INPUT_${name.toUpperCase()}`] = value;
}
// An endpoint that must never be contacted: the task has to stop at its inputs.
process.env.ENDPOINT_URL_conn = "https://127.0.0.1:9/";

// Loaded only now: task-lib reads (and hides) the environment when it is first required.
const { TaskMockRunner } = require("azure-pipelines-task-lib/mock-run") as typeof import("azure-pipelines-task-lib/mock-run");
new TaskMockRunner(path.join(__dirname, "..", "..", "tasks", process.env.L0_TASK ?? "", "index.ts")).run(true);
