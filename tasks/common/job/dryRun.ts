// dryRun: everything the task would send, nothing sent. Local code and input paths are hashed (so a
// missing or empty folder fails here too) but not uploaded; values only known after upload or lookup
// stay <pending:...> placeholders, each explained.
import type { JobTranslation, PendingItem } from "../jobSpec";
import { snapshotOf } from "./snapshotUpload";

function describePending(item: PendingItem): string {
  if (item.kind === "latest") return `${item.token}: the latest version of ${item.assetType} '${item.name}' (${item.origin})`;
  const snapshot = snapshotOf(item);
  const what = item.purpose === "code" ? "the code version registered for" : item.purpose === "input" ? "the datastore URI of" : "the build context at";
  return `${item.token}: ${what} ${item.localPath} (${snapshot.blobs.length} file(s), ${snapshot.totalBytes} bytes) → <default datastore>/${snapshot.blobPrefix} (${item.origin})`;
}

/** The dry-run report, line by line: where the job would go, what would be uploaded, and the exact bodies (the translation's warnings are the caller's to raise). */
export function dryRunReport(translation: JobTranslation, jobName: string, jobUrlPath: string): string[] {
  const lines = [`Dry run: nothing is uploaded or submitted.`, `Job: ${translation.jobType} job '${jobName}'`];
  if (translation.pending.length > 0) {
    lines.push("Resolved at submission:", ...translation.pending.map((item) => `  ${describePending(item)}`));
  }
  for (const environment of translation.environments) {
    lines.push(`PUT environments/${environment.name}/versions/${environment.version}`, JSON.stringify(environment.body, null, 2));
  }
  for (const template of translation.components) {
    lines.push(`PUT components/azureml_anonymous/versions/<content hash> (${template.origin})`, JSON.stringify({ properties: { componentSpec: template.spec, ...template.properties } }, null, 2));
  }
  lines.push(`PUT ${jobUrlPath}?api-version=2022-10-01`, JSON.stringify(translation.body, null, 2));
  return lines;
}
