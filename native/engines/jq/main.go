// The jq engine of argoexec-ts: github.com/itchyny/gojq called exactly as argoexec v4.1.2 calls it for a
// resource template's `valueFrom.jqFilter` output parameter (workflow/executor/resource.go, jqFilter):
// the object is decoded with encoding/json, every emitted string is written raw and every other value
// with json.Marshal, one per line, and the whole is trimmed of surrounding white space.
package main

import (
	"context"
	"encoding/json"
	"strings"

	"argoexec-ts/engines/bridge"
	"github.com/itchyny/gojq"
)

type request struct {
	Filter string `json:"filter"`
	Input  string `json:"input"`
}

type response struct {
	Output string `json:"output"`
}

func init() {
	bridge.Register(func(raw []byte) any {
		var req request
		if err := json.Unmarshal(raw, &req); err != nil {
			return bridge.Failure{Error: err.Error(), Stage: "request"}
		}
		out, err := jqFilter(context.Background(), []byte(req.Input), req.Filter)
		if err != nil {
			return bridge.Failure{Error: err.Error()}
		}
		return response{Output: out}
	})
}

func main() { bridge.Serve() }

func jqFilter(ctx context.Context, input []byte, filter string) (string, error) {
	var v any
	if err := json.Unmarshal(input, &v); err != nil {
		return "", err
	}
	q, err := gojq.Parse(filter)
	if err != nil {
		return "", err
	}
	iter := q.RunWithContext(ctx, v)
	var buf strings.Builder
	for {
		v, ok := iter.Next()
		if !ok {
			break
		}
		if err, ok := v.(error); ok {
			return "", err
		}
		if s, ok := v.(string); ok {
			buf.WriteString(s)
		} else {
			b, err := json.Marshal(v)
			if err != nil {
				return "", err
			}
			buf.Write(b)
		}
		buf.WriteString("\n")
	}
	return strings.TrimSpace(buf.String()), nil
}
