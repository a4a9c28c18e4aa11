// The expression engine of argoexec-ts: github.com/expr-lang/expr called exactly as argoexec v4.1.2 calls
// it, with the same Go types in the environment:
//
//   - "data": a data template's transformations (workflow/data/data.go processTransformation and
//     workflow/executor/data.go): env {"data": <previous value>}, the source being the []string of
//     listed keys; the result is json.Marshal'ed.
//   - "http": an HTTP template's successCondition in the agent (workflow/executor/agent.go
//     executeHTTPTemplate → util/expr/argoexpr.EvalBool) with its request/response scope
//     (http.Header values, []byte bodyBytes, int statusCode).
//   - "eval": one expression over a JSON environment (or a named one); the result as "%T" and its
//     json.Marshal. Used by the differential tests on expr-lang's own corpora.
package main

import (
	"encoding/json"
	"fmt"
	"net/http"

	"argoexec-ts/engines/bridge"
	"github.com/expr-lang/expr"
)

type request struct {
	Op string `json:"op"`
	// data
	Data        []string `json:"data"`
	Expressions []string `json:"expressions"`
	// http
	Condition string       `json:"condition"`
	Request   httpRequest  `json:"request"`
	Response  httpResponse `json:"response"`
	// eval
	Expression string          `json:"expression"`
	Env        json.RawMessage `json:"env"`
	EnvName    string          `json:"envName"`
}

type httpRequest struct {
	Method    string              `json:"method"`
	URL       string              `json:"url"`
	Body      string              `json:"body"`
	BodyBytes []byte              `json:"bodyBytes"`
	Headers   map[string][]string `json:"headers"`
}

type httpResponse struct {
	StatusCode int                 `json:"statusCode"`
	Body       string              `json:"body"`
	Headers    map[string][]string `json:"headers"`
}

type response struct {
	Output any `json:"output"`
}

// namedEnvs: environments a build adds by name (the corpus build adds expr-lang's generated-suite env).
var namedEnvs = map[string]any{}

func init() {
	bridge.Register(func(raw []byte) any {
		var req request
		if err := json.Unmarshal(raw, &req); err != nil {
			return bridge.Failure{Error: err.Error(), Stage: "request"}
		}
		switch req.Op {
		case "data":
			return data(req)
		case "http":
			return httpCondition(req)
		case "eval":
			return eval(req)
		}
		return bridge.Failure{Error: fmt.Sprintf("unknown op %q", req.Op), Stage: "request"}
	})
}

func main() { bridge.Serve() }

// data: processTransformation over the listed keys, then Data's json.Marshal.
func data(req request) any {
	var value any = req.Data
	var err error
	for i, expression := range req.Expressions {
		if expression != "" {
			value, err = processExpression(expression, value)
		}
		if err != nil {
			return bridge.Failure{Error: fmt.Errorf("error processing data step %d: %w", i, err).Error(), Stage: "transformation"}
		}
	}
	out, err := json.Marshal(value)
	if err != nil {
		return bridge.Failure{Error: err.Error(), Stage: "marshal"}
	}
	return response{Output: string(out)}
}

func processExpression(expression string, data any) (any, error) {
	env := map[string]any{"data": data}
	program, err := expr.Compile(expression, expr.Env(env))
	if err != nil {
		return nil, err
	}
	return expr.Run(program, env)
}

// httpCondition: executeHTTPTemplate's evalScope and argoexpr.EvalBool.
func httpCondition(req request) any {
	requestHeaders := http.Header{}
	for k, v := range req.Request.Headers {
		requestHeaders[k] = v
	}
	responseHeaders := http.Header{}
	for k, v := range req.Response.Headers {
		responseHeaders[k] = v
	}
	evalScope := map[string]any{
		"request": map[string]any{
			"method":    req.Request.Method,
			"url":       req.Request.URL,
			"body":      req.Request.Body,
			"bodyBytes": req.Request.BodyBytes,
			"headers":   requestHeaders,
		},
		"response": map[string]any{
			"statusCode": req.Response.StatusCode,
			"body":       req.Response.Body,
			"headers":    responseHeaders,
		},
	}
	ok, err := evalBool(req.Condition, evalScope)
	if err != nil {
		return bridge.Failure{Error: err.Error()}
	}
	return response{Output: ok}
}

func evalBool(input string, env any) (bool, error) {
	program, err := expr.Compile(input, expr.Env(env))
	if err != nil {
		return false, err
	}
	result, err := expr.Run(program, env)
	if err != nil {
		return false, fmt.Errorf("unable to evaluate expression '%s': %w", input, err)
	}
	resultBool, ok := result.(bool)
	if !ok {
		return false, fmt.Errorf("unable to cast expression result '%s' to bool", result)
	}
	return resultBool, nil
}

// eval: Compile with expr.Env(env) and Run, as the generated suite does; the value as type and JSON.
func eval(req request) any {
	var env any
	if req.EnvName != "" {
		named, ok := namedEnvs[req.EnvName]
		if !ok {
			return bridge.Failure{Error: fmt.Sprintf("no env %q in this build", req.EnvName), Stage: "request"}
		}
		env = named
	} else if len(req.Env) > 0 {
		if err := json.Unmarshal(req.Env, &env); err != nil {
			return bridge.Failure{Error: err.Error(), Stage: "request"}
		}
	}
	program, err := expr.Compile(req.Expression, expr.Env(env))
	if err != nil {
		return bridge.Failure{Error: err.Error(), Stage: "compile"}
	}
	result, err := expr.Run(program, env)
	if err != nil {
		return bridge.Failure{Error: err.Error(), Stage: "run"}
	}
	out, err := json.Marshal(result)
	if err != nil {
		return response{Output: fmt.Sprintf("%T error %s", result, err)}
	}
	return response{Output: fmt.Sprintf("%T %s", result, out)}
}
