//go:build corpus

package main

// The corpus build (test only) compiles expr-lang's test/gen/env.go from the module cache next to this
// program; its Env is the environment of testdata/generated.txt.
func init() { namedEnvs["gen"] = Env }
