#!/usr/bin/env bash
# Prints a legacy (secret-based, non-expiring) service-account JWT signed with the stack's SA key,
# exactly the claims kube-controller-manager's token controller writes into a
# kubernetes.io/service-account-token Secret. The apiserver's legacy validator accepts it as long
# as the Secret exists with this token in data.token and the ServiceAccount has this UID.
# Usage: stack/sa-token.sh NAMESPACE SERVICEACCOUNT SECRET_NAME SERVICEACCOUNT_UID
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ns=$1 sa=$2 secret=$3 uid=$4
b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }
# kid = base64url(sha256(DER SubjectPublicKeyInfo)), as the apiserver computes it.
kid=$(openssl rsa -in "$PKI/sa.key" -pubout -outform DER 2>/dev/null | openssl dgst -sha256 -binary | b64url)
header=$(printf '{"alg":"RS256","kid":"%s"}' "$kid" | b64url)
payload=$(printf '{"iss":"kubernetes/serviceaccount","kubernetes.io/serviceaccount/namespace":"%s","kubernetes.io/serviceaccount/secret.name":"%s","kubernetes.io/serviceaccount/service-account.name":"%s","kubernetes.io/serviceaccount/service-account.uid":"%s","sub":"system:serviceaccount:%s:%s"}' \
  "$ns" "$secret" "$sa" "$uid" "$ns" "$sa" | b64url)
sig=$(printf '%s.%s' "$header" "$payload" | openssl dgst -sha256 -sign "$PKI/sa.key" -binary | b64url)
printf '%s.%s.%s\n' "$header" "$payload" "$sig"
