// `az ml compute` YAML files (amlcompute, computeinstance, kubernetes) read with source positions and
// translated to the ARM ComputeResource body the way azure-ai-ml's compute entities build it.
import type { ComputeResource, ManagedServiceIdentity as Identity } from "@azure/arm-machinelearning";
import { JobSpecError, loadYamlFile, type YNode } from "../jobSpec/yamlSource";
import { UserError } from "../platform/userError";

export type SpecComputeType = "AmlCompute" | "ComputeInstance" | "Kubernetes";

/** Scale settings as compared and sent: seconds for the idle time, like the YAML. */
export interface SpecScale {
  minNodeCount: number;
  maxNodeCount: number;
  /** Undefined when the file leaves it to the service's default. */
  idleSeconds?: number;
}

export interface ComputeSpec {
  file: string;
  name: string;
  computeType: SpecComputeType;
  /** VM size as written (AmlCompute and ComputeInstance). */
  size?: string;
  /** "Dedicated" or "LowPriority" (AmlCompute). */
  vmPriority?: string;
  scale?: SpecScale;
  /** The PUT body. */
  body: ComputeResource;
  /** Values that must be masked in the log (SSH admin password). */
  secrets: string[];
}

export interface SpecContext {
  subscriptionId: string;
  resourceGroup: string;
}

/** azure-ai-ml's ComputeDefaults.VMSIZE. */
export const DEFAULT_VM_SIZE = "STANDARD_DS3_V2";

const TYPES: Record<string, SpecComputeType> = { amlcompute: "AmlCompute", computeinstance: "ComputeInstance", kubernetes: "Kubernetes" };

const COMMON_FIELDS = ["$schema", "name", "type", "location", "description", "tags", "resource_id", "identity"];
const FIELDS: Record<SpecComputeType, string[]> = {
  AmlCompute: ["size", "tier", "min_instances", "max_instances", "idle_time_before_scale_down", "ssh_public_access_enabled", "ssh_settings", "network_settings", "enable_node_public_ip"],
  ComputeInstance: ["size", "ssh_public_access_enabled", "ssh_settings", "network_settings", "create_on_behalf_of", "idle_time_before_shutdown", "idle_time_before_shutdown_minutes", "enable_node_public_ip"],
  Kubernetes: ["namespace", "properties"],
};
/** Fields az ml accepts that this task cannot apply: refused rather than silently dropped. */
const UNSUPPORTED = ["schedules", "setup_scripts", "custom_applications"];

const IDENTITY_TYPES: Record<string, Identity["type"]> = {
  system_assigned: "SystemAssigned",
  user_assigned: "UserAssigned",
  "system_assigned,user_assigned": "SystemAssigned,UserAssigned",
  none: "None",
};

/** A compute spec file the task cannot use; the message names the input, file:line:column and the field. */
export class ComputeSpecError extends UserError {
  constructor(message: string) {
    super(`Invalid compute spec file (input specFile): ${message}`);
    this.name = "ComputeSpecError";
  }
}

/** Reads and translates a spec file; every problem is a ComputeSpecError naming file:line:column and the field. */
export function loadComputeSpec(file: string, context: SpecContext): ComputeSpec {
  try {
    return translateSpec(loadYamlFile(file).root(), file, context);
  } catch (error) {
    // The YAML reader is shared with the job translator and reports its positions with its own error type.
    if (error instanceof JobSpecError) throw new ComputeSpecError(error.message);
    throw error;
  }
}

function translateSpec(root: YNode, file: string, context: SpecContext): ComputeSpec {
  if (root.kind !== "mapping") root.fail(`a compute spec must be a mapping of fields (name, type, size, ...), not ${root.kind}`);
  const name = root.require("name", "the compute spec").str("name");
  const typeNode = root.require("type", "the compute spec");
  const computeType = TYPES[typeNode.str("type").toLowerCase()];
  if (!computeType) typeNode.fail(`type must be one of amlcompute, computeinstance, kubernetes, not '${typeNode.str("type")}'`);
  checkFields(root, computeType);

  const location = optionalStr(root, "location");
  const tags = root.has("tags") ? root.get("tags")!.strMap("tags") : undefined;
  const identity = root.has("identity") ? translateIdentity(root.get("identity")!) : undefined;
  const secrets: string[] = [];
  const common = { description: optionalStr(root, "description"), resourceId: optionalStr(root, "resource_id") };
  let spec: Omit<ComputeSpec, "body" | "file" | "name" | "computeType" | "secrets">;
  // Built as plain JSON (azure-ai-ml's REST object); the SDK's serializer checks it against the REST model.
  let properties: Record<string, unknown>;
  switch (computeType) {
    case "AmlCompute": {
      const cluster = translateCluster(root, context, secrets);
      spec = cluster.spec;
      properties = { computeType, ...common, properties: cluster.properties };
      break;
    }
    case "ComputeInstance": {
      const size = optionalStr(root, "size");
      spec = { size: size ?? DEFAULT_VM_SIZE };
      properties = { computeType, ...common, properties: instanceProperties(root, context, spec.size!) };
      break;
    }
    case "Kubernetes":
      spec = {};
      if (!common.resourceId) root.fail("missing required field 'resource_id' for type kubernetes: the ARM ID of the AKS or Arc-enabled Kubernetes cluster to attach");
      properties = { computeType, ...common, computeLocation: location, properties: { ...kubernetesProperties(root), namespace: optionalStr(root, "namespace") ?? "default" } };
      break;
  }
  const body = { location, tags, identity, properties } as unknown as ComputeResource;
  return { file, name, computeType, secrets, body: JSON.parse(JSON.stringify(body)) as ComputeResource, ...spec };
}

function checkFields(root: YNode, computeType: SpecComputeType): void {
  const allowed = new Set([...COMMON_FIELDS, ...FIELDS[computeType]]);
  for (const [key, , keyNode] of root.entries("the compute spec")) {
    if (UNSUPPORTED.includes(key)) keyNode.fail(`field '${key}' is not supported by this task; create the compute instance with az ml compute create, then use action check or start`);
    if (!allowed.has(key)) keyNode.fail(`unknown field '${key}' for type ${computeType.toLowerCase()}; allowed: ${[...allowed].join(", ")}`);
  }
}

function optionalStr(node: YNode, key: string): string | undefined {
  return node.has(key) ? node.get(key)!.str(key) : undefined;
}

function optionalInt(node: YNode, key: string, minimum: number): number | undefined {
  if (!node.has(key)) return undefined;
  const child = node.get(key)!;
  const value = child.int(key);
  if (value < minimum) child.fail(`${key} must be at least ${minimum}, not ${value}`);
  return value;
}

function optionalBool(node: YNode, key: string): boolean | undefined {
  return node.has(key) ? node.get(key)!.bool(key) : undefined;
}

function translateCluster(root: YNode, context: SpecContext, secrets: string[]) {
  const minNodeCount = optionalInt(root, "min_instances", 0) ?? 0;
  const maxNodeCount = optionalInt(root, "max_instances", 1) ?? 1;
  if (maxNodeCount < minNodeCount) root.get("max_instances")!.fail(`max_instances (${maxNodeCount}) must not be less than min_instances (${minNodeCount})`);
  const idleSeconds = optionalInt(root, "idle_time_before_scale_down", 0);
  const tierNode = root.get("tier");
  let vmPriority: string | undefined;
  if (tierNode && !tierNode.isNull) {
    const tier = tierNode.str("tier").toLowerCase().replace(/[_-]/g, "");
    vmPriority = tier === "dedicated" ? "Dedicated" : tier === "lowpriority" ? "LowPriority" : tierNode.fail(`tier must be dedicated or low_priority, not '${tierNode.str("tier")}'`);
  }
  const size = optionalStr(root, "size") ?? DEFAULT_VM_SIZE;
  const sshPublicAccess = optionalBool(root, "ssh_public_access_enabled");
  const ssh = root.get("ssh_settings");
  let userAccountCredentials: Record<string, string | undefined> | undefined;
  if (ssh && !ssh.isNull) {
    const password = optionalStr(ssh, "admin_password");
    if (password) secrets.push(password);
    userAccountCredentials = { adminUserName: ssh.require("admin_username", "ssh_settings").str("ssh_settings.admin_username"), adminUserPassword: password, adminUserSshPublicKey: optionalStr(ssh, "ssh_key_value") };
  }
  const scaleSettings = { minNodeCount, maxNodeCount, nodeIdleTimeBeforeScaleDown: idleSeconds === undefined ? undefined : `PT${idleSeconds}S` };
  return {
    spec: { size, vmPriority, scale: { minNodeCount, maxNodeCount, idleSeconds } },
    properties: {
      vmSize: size,
      vmPriority,
      scaleSettings,
      userAccountCredentials,
      subnet: subnetOf(root, context),
      remoteLoginPortPublicAccess: sshPublicAccess === undefined ? "NotSpecified" : sshPublicAccess ? "Enabled" : "Disabled",
      enableNodePublicIp: optionalBool(root, "enable_node_public_ip") ?? true,
    },
  };
}

function instanceProperties(root: YNode, context: SpecContext, size: string) {
  const sshPublicAccess = optionalBool(root, "ssh_public_access_enabled");
  const sshKey = root.has("ssh_settings") ? optionalStr(root.get("ssh_settings")!, "ssh_key_value") : undefined;
  if (sshPublicAccess && !sshKey) root.get("ssh_public_access_enabled")!.fail("ssh_settings.ssh_key_value is required when ssh_public_access_enabled is true");
  const minutes = optionalInt(root, "idle_time_before_shutdown_minutes", 15);
  const onBehalf = root.get("create_on_behalf_of");
  return {
    vmSize: size,
    subnet: subnetOf(root, context),
    sshSettings: sshKey ? { adminPublicKey: sshKey, sshPublicAccess: sshPublicAccess === undefined ? "NotSpecified" : sshPublicAccess ? "Enabled" : "Disabled" } : undefined,
    personalComputeInstanceSettings: onBehalf && !onBehalf.isNull
      ? { assignedUser: { objectId: onBehalf.require("user_object_id", "create_on_behalf_of").str("user_object_id"), tenantId: onBehalf.require("user_tenant_id", "create_on_behalf_of").str("user_tenant_id") } }
      : undefined,
    idleTimeBeforeShutdown: minutes !== undefined ? `PT${minutes}M` : optionalStr(root, "idle_time_before_shutdown"),
    enableNodePublicIp: optionalBool(root, "enable_node_public_ip"),
  };
}

function kubernetesProperties(root: YNode): Record<string, unknown> {
  const node = root.get("properties");
  if (!node || node.isNull) return {};
  if (node.kind !== "mapping") node.fail(`properties must be a mapping (namespace, instanceTypes, defaultInstanceType, ...), not ${node.kind}`);
  return node.toJS() as Record<string, unknown>;
}

/** azure-ai-ml's get_subnet_str: a full subnet ID as is, else the subnet of vnet_name in the workspace's resource group. */
function subnetOf(root: YNode, context: SpecContext): { id: string } | undefined {
  const network = root.get("network_settings");
  if (!network || network.isNull) return undefined;
  const subnet = optionalStr(network, "subnet");
  if (!subnet) return undefined;
  if (subnet.startsWith("/subscriptions/")) return { id: subnet };
  const vnet = optionalStr(network, "vnet_name") ?? network.fail("network_settings.vnet_name is required unless subnet is a full subnet resource ID");
  return { id: `/subscriptions/${context.subscriptionId}/resourceGroups/${context.resourceGroup}/providers/Microsoft.Network/virtualNetworks/${vnet}/subnets/${subnet}` };
}

function translateIdentity(node: YNode): Identity {
  const typeNode = node.require("type", "identity");
  const type = IDENTITY_TYPES[typeNode.str("identity.type").toLowerCase().replace(/\s/g, "")];
  if (!type) typeNode.fail(`identity.type must be one of ${Object.keys(IDENTITY_TYPES).join(", ")}, not '${typeNode.str("identity.type")}'`);
  const assigned = node.get("user_assigned_identities");
  if (!assigned || assigned.isNull) return { type };
  const userAssignedIdentities: Record<string, Record<string, never>> = {};
  for (const item of assigned.items("identity.user_assigned_identities")) {
    userAssignedIdentities[item.require("resource_id", "a user-assigned identity").str("resource_id")] = {};
  }
  return { type, userAssignedIdentities };
}
