// What pipeline and sweep jobs share: they run child jobs through the executor, which
// gives them these hooks, and their children carry the parent link Azure ML records.
import type { ServiceContext } from '../contract';
import type { JobStatus } from '../arm';
import type { ArmResource, Properties } from '../arm/resources';

export interface ParentRunOptions {
  ctx: ServiceContext;
  job: ArmResource;
  workspaceId: string;
  signal: AbortSignal;
  /** Runs a child job (already stored) to its end. */
  startChild(child: ArmResource): Promise<JobStatus>;
  cancelChild(child: ArmResource): void;
  setStatus(status: JobStatus): void;
  /** A line for the parent's own log. */
  note(line: string): void;
}

/** A child job of `parent` (a command job unless `properties` give another jobType), named `name`, shown as `displayName`. */
export function childJob(workspaceId: string, parent: ArmResource, name: string, displayName: string, properties: Properties): ArmResource {
  return {
    id: `${workspaceId}/jobs/${name}`,
    name,
    type: parent.type,
    properties: {
      description: null,
      tags: {},
      properties: { 'azureml.parentRunId': parent.name, 'azureml.rootRunId': parent.properties.properties?.['azureml.rootRunId'] ?? parent.name },
      displayName,
      experimentName: parent.properties.experimentName ?? 'Default',
      isArchived: false,
      jobType: 'Command',
      ...properties,
      status: 'NotStarted',
      services: parent.properties.services,
    },
    systemData: parent.systemData,
  };
}

/** ARM id from an azureml:<id> reference. */
export const armId = (reference: unknown): string | undefined => (typeof reference === 'string' ? reference.replace(/^azureml:/i, '') : undefined);
