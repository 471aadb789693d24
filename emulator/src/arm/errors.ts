// ARM's error envelope: {"error":{"code","message","target"?,"details"?}}.
export interface ArmErrorDetail {
  code: string;
  message: string;
  target?: string;
  details?: ArmErrorDetail[];
  innerError?: { code: string };
}

/** Thrown anywhere below the router; rendered as an ARM error response. */
export class ArmError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: { target?: string; details?: ArmErrorDetail[]; headers?: Record<string, string> } = {},
  ) {
    super(message);
  }

  get body(): { error: ArmErrorDetail } {
    const { target, details } = this.extra;
    return { error: { code: this.code, message: this.message, ...(target ? { target } : {}), ...(details ? { details } : {}) } };
  }
}

/** A request the Azure ML service rejects as the user's mistake (its "UserError" family). */
export function userError(message: string, target?: string, details?: ArmErrorDetail[]): ArmError {
  return new ArmError(400, 'UserError', message, { target, details });
}

export function conflict(message: string): ArmError {
  return new ArmError(409, 'UserError', message);
}

/** ARM's 404 for a resource below a resource group; `qualifiedName` is e.g. Microsoft.X/workspaces/ws/computes/c. */
export function resourceNotFound(qualifiedName: string, resourceGroup: string): ArmError {
  return new ArmError(
    404,
    'ResourceNotFound',
    `The Resource '${qualifiedName}' under resource group '${resourceGroup}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
  );
}
