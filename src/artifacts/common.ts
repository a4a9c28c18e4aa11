/** Shared driver errors (workflow/artifacts/common/common.go). */
export const DELETE_NOT_SUPPORTED =
  'delete not supported for this artifact storage, please check the following issue for details: https://github.com/argoproj/argo-workflows/issues/3102';

export class NotSupportedError extends Error {}

export class NotImplementedError extends Error {}
