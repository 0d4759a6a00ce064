/**
 * Evaluates a ValidatingAdmissionPolicy and its binding (admissionregistration.k8s.io/v1)
 * against one admission request, the way the API server does, so a policy's CEL can be
 * proven without a cluster. The CEL is run by @bufbuild/cel, a CEL-spec evaluator, in
 * place of the API server's cel-go.
 *
 * Modelled: the binding's and the policy's `namespaceSelector` (matchLabels and
 * matchExpressions) and `resourceRules` (group, version, resource[/subresource],
 * operation); `matchConditions`; `variables`, in order, each failing only the expressions
 * that use it (the API server evaluates them lazily); `validations` with `message` and
 * `messageExpression`; `failurePolicy` (an evaluation error denies under Fail, admits
 * under Ignore); the binding's `Deny` action. The CEL variables `object`, `oldObject`
 * (null at CREATE), `request`, `namespaceObject` and `params` (null) are bound.
 *
 * Not modelled: compile-time type checking against the OpenAPI schemas, CEL cost limits,
 * the Kubernetes CEL libraries (quantity, url, ip, regex and list extensions),
 * `authorizer`, params, `objectSelector`, `excludeResourceRules`, `matchPolicy:
 * Equivalent` (other API versions) and the Warn and Audit actions.
 */
import { type CelError, type CelInput, type CelValue, celError, isCelError, run } from "@bufbuild/cel";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

export type Operation = "CREATE" | "UPDATE" | "DELETE" | "CONNECT";

export interface AdmissionRequest {
  readonly operation: Operation;
  readonly resource: { readonly group: string; readonly version: string; readonly resource: string };
  readonly subResource?: string;
  readonly object: JsonObject;
  /** The object before an UPDATE. */
  readonly oldObject?: JsonObject;
  /** The Namespace object the request's object lives in. */
  readonly namespaceObject: JsonObject;
}

export type AdmissionVerdict =
  /** `matched`: whether the policy applied at all (binding, constraints and matchConditions). */
  | { readonly allowed: true; readonly matched: boolean }
  | { readonly allowed: false; readonly message: string; readonly reason: string };

interface LabelSelector {
  readonly matchLabels?: Readonly<Record<string, string>>;
  readonly matchExpressions?: readonly { readonly key: string; readonly operator: string; readonly values?: readonly string[] }[];
}

interface ResourceRule {
  readonly apiGroups: readonly string[];
  readonly apiVersions: readonly string[];
  readonly resources: readonly string[];
  readonly operations: readonly string[];
}

interface NamedExpression {
  readonly name: string;
  readonly expression: string;
}

export interface PolicySpec {
  readonly failurePolicy?: "Fail" | "Ignore";
  readonly matchConstraints: { readonly namespaceSelector?: LabelSelector; readonly resourceRules: readonly ResourceRule[] };
  readonly matchConditions?: readonly NamedExpression[];
  readonly variables?: readonly NamedExpression[];
  readonly validations: readonly { readonly expression: string; readonly message?: string; readonly messageExpression?: string; readonly reason?: string }[];
}

export interface BindingSpec {
  readonly policyName: string;
  readonly validationActions: readonly string[];
  readonly matchResources?: { readonly namespaceSelector?: LabelSelector; readonly resourceRules?: readonly ResourceRule[] };
}

/** What the policy decides about one request, through one binding. */
export function admit(policy: PolicySpec, binding: BindingSpec, request: AdmissionRequest): AdmissionVerdict {
  if (!bindingMatches(policy, binding, request)) return { allowed: true, matched: false };
  const failClosed = (policy.failurePolicy ?? "Fail") === "Fail";
  const onError = (what: string, error: string): AdmissionVerdict =>
    failClosed ? { allowed: false, reason: "Forbidden", message: `${what} failed: ${error}` } : { allowed: true, matched: true };
  const scope = new Scope(request);
  for (const condition of policy.matchConditions ?? []) {
    const result = scope.evaluate(condition.expression);
    if (isCelError(result) || typeof result !== "boolean") return onError(`matchCondition ${condition.name}`, describe(result));
    if (!result) return { allowed: true, matched: false };
  }
  for (const variable of policy.variables ?? []) scope.define(variable);
  for (const validation of policy.validations) {
    const result = scope.evaluate(validation.expression);
    if (isCelError(result) || typeof result !== "boolean") return onError(`expression '${validation.expression}'`, describe(result));
    if (result) continue;
    if (!binding.validationActions.includes("Deny")) continue;
    return { allowed: false, reason: validation.reason ?? "Invalid", message: messageOf(scope, validation) };
  }
  return { allowed: true, matched: true };
}

/** The messageExpression's string, else the message, else the API server's default. */
function messageOf(scope: Scope, validation: PolicySpec["validations"][number]): string {
  if (validation.messageExpression !== undefined) {
    const message = scope.evaluate(validation.messageExpression);
    if (typeof message === "string" && message.trim() !== "") return message;
  }
  return validation.message ?? `failed expression: ${validation.expression}`;
}

function bindingMatches(policy: PolicySpec, binding: BindingSpec, request: AdmissionRequest): boolean {
  const labels = ((request.namespaceObject.metadata as JsonObject | undefined)?.labels ?? {}) as Record<string, string>;
  const constraints = policy.matchConstraints;
  const resources = binding.matchResources;
  return (
    selects(constraints.namespaceSelector, labels) &&
    constraints.resourceRules.some((rule) => ruleMatches(rule, request)) &&
    selects(resources?.namespaceSelector, labels) &&
    (resources?.resourceRules === undefined || resources.resourceRules.some((rule) => ruleMatches(rule, request)))
  );
}

/** A Kubernetes label selector; an absent one selects everything. */
export function selects(selector: LabelSelector | undefined, labels: Readonly<Record<string, string>>): boolean {
  if (selector === undefined) return true;
  const byLabel = Object.entries(selector.matchLabels ?? {}).every(([key, value]) => labels[key] === value);
  return (
    byLabel &&
    (selector.matchExpressions ?? []).every(({ key, operator, values = [] }) => {
      const has = Object.hasOwn(labels, key);
      if (operator === "Exists") return has;
      if (operator === "DoesNotExist") return !has;
      if (operator === "In") return has && values.includes(labels[key]!);
      if (operator === "NotIn") return !has || !values.includes(labels[key]!);
      throw new Error(`unknown label selector operator ${operator}`);
    })
  );
}

function ruleMatches(rule: ResourceRule, request: AdmissionRequest): boolean {
  const { group, version, resource } = request.resource;
  const name = request.subResource === undefined ? resource : `${resource}/${request.subResource}`;
  const any = (list: readonly string[], value: string) => list.includes("*") || list.includes(value);
  return any(rule.apiGroups, group) && any(rule.apiVersions, version) && any(rule.resources, name) && any(rule.operations, request.operation);
}

/** The CEL bindings of one request, with the variables defined so far. */
class Scope {
  private readonly bindings: Record<string, CelInput>;
  private readonly variables = new Map<string, CelValue>();
  private readonly failed = new Map<string, string>();

  constructor(request: AdmissionRequest) {
    this.bindings = {
      object: toCel(request.object),
      oldObject: request.oldObject === undefined ? null : toCel(request.oldObject),
      namespaceObject: toCel(request.namespaceObject),
      request: toCel({
        operation: request.operation,
        resource: request.resource,
        ...(request.subResource === undefined ? {} : { subResource: request.subResource }),
        namespace: String((request.namespaceObject.metadata as JsonObject).name),
      }),
      params: null,
    };
  }

  define(variable: NamedExpression): void {
    const result = this.evaluate(variable.expression);
    if (isCelError(result)) this.failed.set(variable.name, describe(result));
    else this.variables.set(variable.name, result);
  }

  /** An expression using a variable that failed fails with that variable's error. */
  evaluate(expression: string): CelValue | CelError {
    for (const [name, error] of this.failed) {
      if (new RegExp(`\\bvariables\\.${name}\\b`).test(expression)) return celError(`variable ${name}: ${error}`);
    }
    return run(expression, { ...this.bindings, variables: new Map(this.variables) as CelInput });
  }
}

function describe(value: unknown): string {
  return isCelError(value) ? value.message : `not a bool: ${String(value)}`;
}

/** JSON as CEL sees a Kubernetes object: objects are maps, whole numbers ints. */
function toCel(value: Json): CelInput {
  if (Array.isArray(value)) return value.map(toCel);
  if (value !== null && typeof value === "object") return new Map(Object.entries(value).map(([key, v]) => [key, toCel(v)]));
  if (typeof value === "number" && Number.isInteger(value)) return BigInt(value);
  return value;
}
