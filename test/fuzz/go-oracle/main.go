// Command go-oracle answers parsing questions with Go's standard library, for the differential fuzz tests in
// test/fuzz (built by test/fuzz/oracle.ts into /var/cache/argoexec-ts; standard library only).
//
// stdin: one JSON array per line, [op, input]; stdout: one JSON object per line, {"ok": …} or {"err": "…"}.
package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"
)

func answer(op, in string) map[string]any {
	switch op {
	case "duration": // time.ParseDuration, in nanoseconds
		d, err := time.ParseDuration(in)
		if err != nil {
			return map[string]any{"err": err.Error()}
		}
		return map[string]any{"ok": strconv.FormatInt(int64(d), 10)}
	case "rfc3339": // time.Parse(time.RFC3339, …), in Unix milliseconds
		t, err := time.Parse(time.RFC3339, in)
		if err != nil {
			return map[string]any{"err": err.Error()}
		}
		return map[string]any{"ok": strconv.FormatInt(t.UnixMilli(), 10)}
	case "args": // the emissary's json.Unmarshal of the args file into []string
		var a []string
		if err := json.Unmarshal([]byte(in), &a); err != nil {
			return map[string]any{"err": err.Error()}
		}
		if a == nil {
			a = []string{}
		}
		return map[string]any{"ok": a}
	case "signal": // the emissary's file-signal handler: Atoi(TrimSpace(data)), used when > 0
		s, err := strconv.Atoi(strings.TrimSpace(in))
		if err != nil || s <= 0 {
			return map[string]any{"ok": 0}
		}
		return map[string]any{"ok": strconv.Itoa(s)}
	case "grace": // TerminationGracePeriodDuration: ParseInt(v, 10, 64) seconds when > 0, else 30 s
		x, _ := strconv.ParseInt(in, 10, 64)
		if x > 0 {
			return map[string]any{"ok": strconv.FormatInt(x, 10)}
		}
		return map[string]any{"ok": "30"}
	case "gunzip": // compress/gzip over base64-encoded bytes: "<sha256 hex>:<length>" of what it inflates to
		raw, err := base64.StdEncoding.DecodeString(in)
		if err != nil {
			return map[string]any{"err": "base64: " + err.Error()}
		}
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			return map[string]any{"err": err.Error()}
		}
		h := sha256.New()
		n, err := io.Copy(h, zr)
		if err != nil {
			return map[string]any{"err": err.Error()}
		}
		return map[string]any{"ok": hex.EncodeToString(h.Sum(nil)) + ":" + strconv.FormatInt(n, 10)}
	}
	return map[string]any{"err": "unknown op " + op}
}

func main() {
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(make([]byte, 1<<20), 1<<26)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	for sc.Scan() {
		var req []string
		if err := json.Unmarshal(sc.Bytes(), &req); err != nil || len(req) != 2 {
			fmt.Fprintln(os.Stderr, "bad request:", sc.Text())
			os.Exit(2)
		}
		b, _ := json.Marshal(answer(req[0], req[1]))
		fmt.Fprintln(out, string(b))
	}
}
