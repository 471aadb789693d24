// Public surface of the job-spec translator; see README.md for the flow.
export { JobSpecError } from './yamlSource';
export { translateJobFile, translateJobText, type JobTranslation, type TranslateOptions, type JobType } from './translate';
export { parseOverrides, type Override } from './overrides';
export type { PendingItem, PendingLatest, PendingNextVersion, PendingUpload, EnvironmentVersionToCreate } from './context';
export { finalizeTranslation, type Resolutions, type SubmissionPlan, type UploadResult, type ComponentVersionToCreate } from './finalize';
export { translateScheduleFile, type ScheduleTranslation, type ScheduleOptions } from './schedule';
export { triggerFromRest, parseTriggerTime, pythonDateTimeText, type ScheduleTrigger, type CronTrigger, type RecurrenceTrigger, type TriggerTime, type WeekDay, type RecurrenceFrequency } from './scheduleTrigger';
export { ianaTimeZone } from './timeZones';
