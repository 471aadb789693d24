// Online endpoints served for real: deployments' containers as local processes, the scoring front
// end at the endpoints' scoring hosts, and the record of every scored request.
export { DeploymentHost, type DeploymentHostOptions } from './containers';
export { ScoringRecords, type ScoringRecord, type ScoringQuery } from './records';
export { createScoringHandler, DEPLOYMENT_HEADER } from './scoring';
