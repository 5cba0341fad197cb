// What the bench's Go peers share (built with each of them: go build pair.go
// serve.go, go build spawn.go serve.go): the sampling protocol and failures.
//
// Each line read on stdin is a number of milliseconds: the peer runs whole
// operations until that much time has passed and answers "OPS MS" (the
// operations done and the milliseconds they took), so only the library's work
// is timed (no process start, no Go runtime start). An empty line or end of
// input ends it. A failure is one line "error: ..." on stdout, then exit 1.
// `PEER -once` runs one operation and says "ok" (a smoke test).
package main

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

func check(err error, what string) {
	if err != nil {
		fmt.Printf("error: %s: %v\n", what, err)
		os.Exit(1)
	}
}

// serve answers the bench's samples with runs of op.
func serve(op func()) {
	if len(os.Args) > 1 && os.Args[1] == "-once" {
		op()
		fmt.Println("ok")
		return
	}
	in := bufio.NewScanner(os.Stdin)
	out := bufio.NewWriter(os.Stdout)
	for in.Scan() {
		line := strings.TrimSpace(in.Text())
		if line == "" {
			return
		}
		ms, err := strconv.ParseFloat(line, 64)
		check(err, "a sample length in ms")
		budget := time.Duration(ms * float64(time.Millisecond))
		ops := 0
		t0 := time.Now()
		var spent time.Duration
		for spent < budget {
			op()
			ops++
			spent = time.Since(t0)
		}
		fmt.Fprintf(out, "%d %.3f\n", ops, float64(spent)/float64(time.Millisecond))
		check(out.Flush(), "stdout")
	}
}
