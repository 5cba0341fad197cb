// The Go peer of bench/run.js's spawn cases: os/exec's Cmd starting /bin/true
// in five new namespaces (net, uts, ipc, mnt, pid) through
// SysProcAttr.Cloneflags, the way Go programs (runc's tests, CNI tooling,
// container tools) start a process in new namespaces. Standard library only.
//
// Built by the bench into a temporary directory (Debian's golang-go, GOPATH
// mode, nothing downloaded) and served like bench/netlink-go/pair.go: each
// line on stdin is a number of milliseconds; it starts and waits for whole
// commands until that much time has passed and answers "OPS MS". An empty
// line or end of input ends it; a failure is one line "error: ..." then exit
// 1. `spawn -once` runs one command and says "ok".
package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func check(err error, what string) {
	if err != nil {
		fmt.Printf("error: %s: %v\n", what, err)
		os.Exit(1)
	}
}

const flags = syscall.CLONE_NEWNET | syscall.CLONE_NEWUTS | syscall.CLONE_NEWIPC | syscall.CLONE_NEWNS | syscall.CLONE_NEWPID

// one starts /bin/true in five new namespaces and waits for it.
func one() {
	cmd := exec.Command("/bin/true")
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: flags}
	check(cmd.Run(), "exec.Cmd.Run")
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "-once" {
		one()
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
			one()
			ops++
			spent = time.Since(t0)
		}
		fmt.Fprintf(out, "%d %.3f\n", ops, float64(spent)/float64(time.Millisecond))
		check(out.Flush(), "stdout")
	}
}
