//go:build !wasip1

package bridge

import (
	"bufio"
	"os"
)

// Serve answers one request per stdin line with one response line on stdout, until stdin ends.
func Serve() {
	r := bufio.NewReaderSize(os.Stdin, 1<<20)
	w := bufio.NewWriter(os.Stdout)
	for {
		line, err := r.ReadBytes('\n')
		if len(line) > 0 {
			_, _ = w.Write(call(line))
			_ = w.WriteByte('\n')
			_ = w.Flush()
		}
		if err != nil {
			return
		}
	}
}
