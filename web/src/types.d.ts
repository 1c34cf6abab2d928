/** YAML or JSON text (several documents allowed), one object, or a list of objects. */
export type Documents = string | Record<string, unknown> | Record<string, unknown>[];

/** Settings of one policy: an object, or its YAML/JSON text. */
export type Settings = Record<string, unknown> | string;

export interface CommonInput {
  /** Policy names; absent means every policy. */
  policies?: string[];
  /** Settings per policy name; a policy not named runs with its example settings. */
  settings?: Record<string, Settings>;
  /** Cluster objects the context-aware policies may look up (get and unfiltered list). */
  context?: Documents | null;
  /** Also judge the policies whose rules would not route the request to them. */
  ignoreRules?: boolean;
}

export interface EvaluateInput extends CommonInput {
  /** The manifests to judge, one AdmissionRequest per document; an
   * AdmissionReview document is judged as it stands (its operation, user, objects). */
  manifest: Documents;
  /** CREATE (default), UPDATE, DELETE or CONNECT. */
  operation?: string;
  /** The requesting user (default "kubernetes-admin"). */
  user?: string;
  /** The user's groups (default ["system:authenticated"]). */
  groups?: string[];
  /** A subresource, e.g. "ephemeralcontainers" or "status". */
  subResource?: string;
  /** The stored object of an UPDATE (the deleted one of a DELETE); null sends none. */
  oldManifest?: Documents | null;
}

export interface EvaluateRequestInput extends CommonInput {
  /** An AdmissionRequest or an AdmissionReview, or its JSON/YAML text. */
  request: Record<string, unknown> | string;
}

export interface SettingsInput {
  policy: string;
  settings?: Settings | null;
}

export interface ErrorAnswer {
  ok: false;
  error: { kind: "input" | "internal"; message: string };
}

export type Verdict = "accept" | "reject" | "skip" | "error";

export interface PolicyResult {
  policy: string;
  /** Whether the policy's metadata.yml rules route this request to it. */
  inScope: boolean;
  /** "skip": not in scope; "error": invalid settings or the policy failed. */
  verdict: Verdict;
  message: string | null;
  code?: number | null;
  /** The object as a mutating policy would store it. */
  mutatedObject?: Record<string, unknown>;
  /** The cluster lookups the policy made, e.g. "v1 Pod vdi/session-alice". */
  lookups?: string[];
}

export interface ObjectResult {
  /** Position of the document in the manifest. */
  index: number;
  apiVersion: string | null;
  kind: string | null;
  namespace: string | null;
  name: string | null;
  /** The AdmissionRequest as policy-server forwards it to the policies. */
  request?: Record<string, unknown>;
  /** Why no request could be built for this document. */
  error?: string;
  results: PolicyResult[];
}

export interface EvaluateOk {
  ok: true;
  objects: ObjectResult[];
  /** validate_settings of every selected policy. */
  settings: { policy: string; valid: boolean; message?: string }[];
  summary: Record<Verdict, number>;
}

export type EvaluateAnswer = EvaluateOk | ErrorAnswer;

export type SettingsAnswer =
  | { ok: true; policy: string; valid: boolean; message?: string }
  | ErrorAnswer;

export interface PolicyInfo {
  name: string;
  title: string | null;
  description: string | null;
  version: string | null;
  mutating: boolean | null;
  rules: { apiGroups: string[]; apiVersions: string[]; resources: string[]; operations: string[] }[];
  contextAwareResources: { apiVersion: string; kind: string }[];
  /** The example settings (policies/<name>/settings.yaml), as text and parsed. */
  settingsYaml: string;
  settings: Record<string, unknown>;
  /** metadata.yml, parsed. */
  metadata: Record<string, unknown>;
}

export type PoliciesAnswer = { ok: true; policies: PolicyInfo[] } | ErrorAnswer;
