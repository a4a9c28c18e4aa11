// Package bridge carries one request at a time between argoexec-ts (TypeScript) and a Go engine wrapper:
// the request and the response are JSON documents; Handle turns one into the other.
//
// Two transports share the handler: WebAssembly exports (bridge_wasip1.go, the build shipped in
// dist/argoexec) and newline-delimited JSON on stdin/stdout (bridge_native.go, the native reference
// build the differential tests compare against).
package bridge

import (
	"encoding/json"
	"fmt"
)

// Handler answers one decoded request; its result is marshalled with encoding/json.
type Handler func(request []byte) any

var handler Handler

// Register installs the program's handler (from an init function: a WebAssembly reactor never runs main).
func Register(h Handler) { handler = h }

// Failure is the response of a request the wrapper itself could not serve.
type Failure struct {
	Error string `json:"error"`
	Stage string `json:"stage,omitempty"`
}

func call(request []byte) (response []byte) {
	defer func() {
		if r := recover(); r != nil {
			response, _ = json.Marshal(Failure{Error: fmt.Sprintf("panic: %v", r), Stage: "panic"})
		}
	}()
	out, err := json.Marshal(handler(request))
	if err != nil {
		out, _ = json.Marshal(Failure{Error: err.Error(), Stage: "bridge"})
	}
	return out
}
